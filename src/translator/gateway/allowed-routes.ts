/** Listener allowedRoutes: which route kinds and which namespaces may attach. */
import { GATEWAY_GROUP } from '../objects.js';
import type { Listener } from '../../gateway-api/types.js';
import type { Namespace } from '../translator.types.js';

export interface RouteGroupKind {
  group: string;
  kind: string;
}

/** The only route kind this implementation serves. */
export const HTTP_ROUTE_KIND: RouteGroupKind = { group: GATEWAY_GROUP, kind: 'HTTPRoute' };

export interface KindsResult {
  supported: RouteGroupKind[];
  /** Kinds asked for that we cannot serve (ResolvedRefs=False/InvalidRouteKinds). */
  invalid: RouteGroupKind[];
}

/** Kinds the listener accepts: its allowedRoutes.kinds filtered to what we serve, or the protocol's default. */
export function routeKinds(listenerSpec: Listener, protocolSupported: boolean): KindsResult {
  const asked = listenerSpec.allowedRoutes?.kinds;
  if (!asked || asked.length === 0) return { supported: protocolSupported ? [HTTP_ROUTE_KIND] : [], invalid: [] };
  const supported: RouteGroupKind[] = [];
  const invalid: RouteGroupKind[] = [];
  for (const k of asked) {
    const rgk = { group: k.group ?? GATEWAY_GROUP, kind: k.kind };
    const ok = protocolSupported && rgk.group === HTTP_ROUTE_KIND.group && rgk.kind === HTTP_ROUTE_KIND.kind;
    if (!ok) invalid.push(rgk);
    else if (supported.length === 0) supported.push(rgk);
  }
  return { supported, invalid };
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false; // an operator we do not know selects nothing
    }
  }
  return true;
}

/** Labels of a namespace, including the name label the API server adds to every namespace. */
export function namespaceLabels(namespaces: ReadonlyMap<string, Namespace>, name: string): Record<string, string> {
  return { ...(namespaces.get(name)?.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
}

/** Whether a route in `routeNamespace` may attach to a listener of a Gateway in `gatewayNamespace`. */
export function namespaceAllowed(
  listenerSpec: Listener,
  gatewayNamespace: string,
  routeNamespace: string,
  namespaces: ReadonlyMap<string, Namespace>,
): boolean {
  const from = listenerSpec.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return routeNamespace === gatewayNamespace;
  if (from === 'Selector') {
    const selector = listenerSpec.allowedRoutes?.namespaces?.selector;
    if (!selector) return false;
    return selectorMatches(selector, namespaceLabels(namespaces, routeNamespace));
  }
  return false;
}
