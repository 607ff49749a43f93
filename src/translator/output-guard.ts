/**
 * The translator's last step: its config must pass the router's own check (checkRouterConfig). When a
 * piece does not (a field the CRD schema or the translator did not catch), the source object that made
 * it is found from the piece's name, everything it contributed is left out, it is reported (an
 * HTTPRoute gets Accepted=False), and the rest is checked again: one bad object never holds back the
 * others. A problem no object can be blamed for is thrown as before (the last good config stays live).
 */
import { ConfigValidationError, checkRouterConfig } from '../contract/validate-config.js';
import type { RouterConfig } from '../contract/router-config.schema.js';
import type { GatewayState } from './gateway/gateway.js';
import { rejectedRouteStatus } from './httproute/rejected-status.js';
import { Drops, pruneConfig, routeOwner, type RouteOwner } from './prune-config.js';
import type { HTTPRoute, ObjectStatus, RejectedObject, TranslationResult } from './translator.types.js';

export interface GuardContext {
  /** The HTTPRoute named namespace/name (its stored status keeps transition times); looked up only on a fault. */
  route(key: string): HTTPRoute | undefined;
  gateways: readonly GatewayState[];
  controllerName: string;
  now: string;
}

/** One refused piece: who made it, why, and what to leave out. */
interface Fault {
  objects: Omit<RejectedObject, 'reason'>[];
  reason: string;
  drop(drops: Drops): boolean;
}

/** The rest of a JSON pointer as `a.b.c`, then the router's reason. */
const where = (segments: readonly string[], reason: string): string => (segments.length ? `${segments.join('.')}: ${reason}` : reason);

function locateFault(config: RouterConfig, err: ConfigValidationError, ctx: GuardContext): Fault | undefined {
  const seg = err.path.split('/').slice(1);
  if (seg[0] === 'listeners' && seg.length >= 2) {
    const listener = config.listeners[Number(seg[1])];
    if (!listener) return undefined;
    const vhost = seg[2] === 'virtualHosts' && seg.length >= 4 ? listener.virtualHosts[Number(seg[3])] : undefined;
    if (vhost) {
      const route = seg[4] === 'routes' && seg.length >= 6 ? vhost.routes[Number(seg[5])] : undefined;
      const owner = route && routeOwner(route.name);
      if (owner) {
        return {
          objects: [{ kind: 'HTTPRoute', namespace: owner.namespace, name: owner.name }],
          reason: `rule ${owner.rule} match ${owner.match} translates to what the router refuses (${where(seg.slice(6), err.reason)})`,
          drop: (d) => d.addRoutes([owner.key]),
        };
      }
      // The host itself (its hostname): every HTTPRoute placed on it shares it.
      const owners = new Map<string, RouteOwner>();
      for (const r of vhost.routes) {
        const o = routeOwner(r.name);
        if (o) owners.set(o.key, o);
      }
      if (owners.size === 0) return undefined;
      return {
        objects: [...owners.values()].map((o) => ({ kind: 'HTTPRoute' as const, namespace: o.namespace, name: o.name })),
        reason: `virtual host "${vhost.name}" translates to what the router refuses (${where(seg.slice(4), err.reason)})`,
        drop: (d) => d.addRoutes([...owners.keys()]),
      };
    }
    // The listener's own fields: the Gateways bound there.
    const gateways = ctx.gateways.filter((g) => g.bind.some((a) => `${a}:${listener.port}` === listener.name) && g.listeners.some((l) => l.port === listener.port));
    return {
      objects: gateways.map((g) => ({ kind: 'Gateway' as const, namespace: g.gateway.metadata.namespace ?? 'default', name: g.gateway.metadata.name })),
      reason: `listener ${listener.name} translates to what the router refuses (${where(seg.slice(2), err.reason)}); it is not served`,
      drop: (d) => d.addListener(listener.name),
    };
  }
  if (seg[0] === 'pools' && seg.length >= 2) {
    // Pools are `<namespace>/<service>:<port>`: the Service (and its EndpointSlices) made it.
    const pool = config.pools[Number(seg[1])];
    const m = pool && /^([^/]+)\/(.+):\d+$/.exec(pool.name);
    if (!pool || !m) return undefined;
    const endpoint = seg[2] === 'endpoints' && seg.length >= 4 ? pool.endpoints[Number(seg[3])] : undefined;
    return {
      objects: [{ kind: 'Service', namespace: m[1]!, name: m[2]! }],
      reason: `pool ${pool.name} translates to what the router refuses (${where(seg.slice(2), err.reason)}); ${endpoint ? 'that endpoint is' : 'its endpoints are'} left out`,
      drop: (d) => d.addEndpoint(pool.name, endpoint),
    };
  }
  return undefined;
}

/** The HTTPRoutes' statuses replaced by their rejection (others untouched). */
function rejectStatuses(statuses: ObjectStatus[], rejected: readonly RejectedObject[], ctx: GuardContext): ObjectStatus[] {
  const why = new Map<string, string>();
  for (const r of rejected) if (r.kind === 'HTTPRoute') why.set(`${r.namespace}/${r.name}`, r.reason);
  if (why.size === 0) return statuses;
  return statuses.map((s) => {
    const key = `${s.namespace}/${s.name}`;
    const message = s.kind === 'HTTPRoute' ? why.get(key) : undefined;
    return message === undefined ? s : rejectedRouteStatus(s, ctx.route(key), `${message}; none of its rules are served`, ctx.controllerName, ctx.now);
  });
}

/** `result` with its config made acceptable to the router (see above). Throws ConfigValidationError. */
export function guardOutput(result: TranslationResult, ctx: GuardContext): TranslationResult {
  const drops = new Drops();
  const rejected: RejectedObject[] = [];
  let config = result.config;
  for (;;) {
    try {
      checkRouterConfig(config);
      break;
    } catch (err) {
      if (!(err instanceof ConfigValidationError)) throw err;
      const fault = locateFault(config, err, ctx);
      // No culprit, or one already left out (pruning did not remove what failed): nothing more to do here.
      if (!fault || !fault.drop(drops)) throw err;
      for (const o of fault.objects) rejected.push({ ...o, reason: fault.reason });
      config = pruneConfig(result.config, drops);
    }
  }
  if (drops.size === 0) return result;
  return { config, statuses: rejectStatuses(result.statuses, rejected, ctx), rejected };
}
