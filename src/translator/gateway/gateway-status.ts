/** Gateway status: addresses, Gateway conditions and one entry per listener. Foreign conditions are kept. */
import { isIP } from 'node:net';
import { condition, mergeConditions, type NewCondition } from '../conditions.js';
import type { ObjectStatus } from '../translator.types.js';
import type { GatewayState } from './gateway.js';
import { isProgrammable, type ListenerState } from './listeners.js';

const GATEWAY_TYPES = new Set(['Accepted', 'Programmed']);
const LISTENER_TYPES = new Set(['Accepted', 'Programmed', 'ResolvedRefs', 'Conflicted', 'OverlappingTLSConfig']);

export function gatewayProgrammed(g: GatewayState): { ok: boolean; reason: string; message: string } {
  if (!g.accepted.ok) return { ok: false, reason: 'Invalid', message: `Gateway not accepted: ${g.accepted.message}` };
  if (g.addressProblem) return { ok: false, ...g.addressProblem };
  return { ok: true, reason: 'Programmed', message: `Programmed on ${g.reported.join(', ')}` };
}

function listenerConditions(g: GatewayState, l: ListenerState, generation: number | undefined): NewCondition[] {
  const accepted = l.conflicted
    ? { ok: false, reason: 'Invalid', message: `conflicted: ${l.conflicted.message}` }
    : l.accepted;
  const out = [condition('Accepted', accepted.ok, accepted.reason, accepted.message, generation)];
  if (!isProgrammable(l)) out.push(condition('Programmed', false, 'Invalid', 'Listener is not valid', generation));
  else if (!g.accepted.ok) out.push(condition('Programmed', false, 'Invalid', 'Gateway is not accepted', generation));
  else if (g.bind.length === 0) out.push(condition('Programmed', false, 'Pending', 'Gateway has no address yet', generation));
  else out.push(condition('Programmed', true, 'Programmed', 'Listener programmed', generation));
  out.push(condition('ResolvedRefs', l.resolvedRefs.ok, l.resolvedRefs.reason, l.resolvedRefs.message, generation));
  out.push(
    l.conflicted
      ? condition('Conflicted', true, l.conflicted.reason, l.conflicted.message, generation)
      : condition('Conflicted', false, 'NoConflicts', 'No conflicts', generation),
  );
  if (l.overlappingTls) {
    out.push(condition('OverlappingTLSConfig', true, 'OverlappingHostnames', 'hostname overlaps another HTTPS listener on this port', generation));
  }
  return out;
}

export function gatewayStatus(g: GatewayState, now: string): ObjectStatus {
  const gw = g.gateway;
  const generation = gw.metadata.generation;
  const programmed = gatewayProgrammed(g);
  const previousListeners = gw.status?.listeners ?? [];
  return {
    kind: 'Gateway',
    namespace: gw.metadata.namespace ?? 'default',
    name: gw.metadata.name,
    status: {
      // A load balancer known by DNS name (e.g. an AWS NLB) is reported as a Hostname address.
      addresses: g.reported.map((value) => ({ type: isIP(value) ? 'IPAddress' : 'Hostname', value })),
      conditions: mergeConditions(
        gw.status?.conditions,
        [
          condition('Accepted', g.accepted.ok, g.accepted.reason, g.accepted.message, generation),
          condition('Programmed', programmed.ok, programmed.reason, programmed.message, generation),
        ],
        GATEWAY_TYPES,
        now,
      ),
      listeners: g.listeners.map((l) => ({
        name: l.name,
        supportedKinds: l.supportedKinds.map((k) => ({ group: k.group, kind: k.kind })),
        attachedRoutes: l.attachedRoutes,
        conditions: mergeConditions(
          previousListeners.find((p) => p?.name === l.name)?.conditions,
          listenerConditions(g, l, generation),
          LISTENER_TYPES,
          now,
        ),
      })),
    },
  };
}
