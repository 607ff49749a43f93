/** A Gateway of one of our classes: its listeners and whether it is accepted as a whole. */
import { isIP } from 'node:net';
import type { ClassState } from '../gatewayclass.js';
import type { ReferenceGrants } from '../reference-grants.js';
import type { Gateway, Secret } from '../translator.types.js';
import { markConflicts, markOverlappingTls } from './conflicts.js';
import { evaluateListeners, isProgrammable, type ListenerState, type Verdict } from './listeners.js';

export interface AddressRequest {
  /** IPAddress values asked for in spec.addresses (empty values ask for any pool address). */
  staticIps: string[];
  /** True when spec.addresses is empty or only holds value-less entries: any pool address will do. */
  dynamic: boolean;
}

export interface GatewayState {
  gateway: Gateway;
  key: string;
  cls: ClassState;
  /** Why spec.addresses cannot be honoured at all (Accepted=False/UnsupportedAddress). */
  unsupportedAddress?: string;
  listeners: ListenerState[];
  accepted: Verdict;
  request: AddressRequest;
  /** Set by addresses.ts: IPs the router binds for this Gateway (0.0.0.0 when the pool is empty). */
  bind: string[];
  /** Set by addresses.ts: addresses reported in status.addresses. */
  reported: string[];
  /** Set by addresses.ts: why Programmed is False on account of addresses. */
  addressProblem?: { reason: 'AddressNotAssigned' | 'AddressNotUsable'; message: string };
}

function addressRequest(gateway: Gateway): { request: AddressRequest; unsupported?: string } {
  const addresses = gateway.spec?.addresses ?? [];
  const staticIps: string[] = [];
  let dynamic = addresses.length === 0;
  for (const a of addresses) {
    const type = a.type ?? 'IPAddress';
    if (type !== 'IPAddress') return { request: { staticIps, dynamic }, unsupported: `address type ${type} is not supported (only IPAddress)` };
    if (!a.value) dynamic = true;
    else if (isIP(a.value) === 0) return { request: { staticIps, dynamic }, unsupported: `"${a.value}" is not an IP address` };
    else staticIps.push(a.value);
  }
  return { request: { staticIps, dynamic } };
}

function acceptance(gateway: Gateway, cls: ClassState, listeners: readonly ListenerState[], unsupportedAddress?: string): Verdict {
  if (!cls.accepted) return { ok: false, reason: 'Invalid', message: `GatewayClass ${cls.name} is not accepted: ${cls.message}` };
  const params = gateway.spec?.infrastructure?.parametersRef;
  if (params) {
    return { ok: false, reason: 'InvalidParameters', message: `infrastructure.parametersRef ${params.group ?? ''}/${params.kind}/${params.name} is not supported` };
  }
  if (unsupportedAddress) return { ok: false, reason: 'UnsupportedAddress', message: unsupportedAddress };
  const bad = listeners.filter((l) => !l.accepted.ok || !l.resolvedRefs.ok || l.conflicted);
  const usable = listeners.filter(isProgrammable);
  if (usable.length === 0) return { ok: false, reason: 'ListenersNotValid', message: 'no listener is valid' };
  if (bad.length > 0) return { ok: true, reason: 'ListenersNotValid', message: `invalid listeners: ${bad.map((l) => l.name).join(', ')}` };
  return { ok: true, reason: 'Accepted', message: 'Gateway accepted' };
}

export function evaluateGateway(
  gateway: Gateway,
  key: string,
  cls: ClassState,
  secrets: ReadonlyMap<string, Secret>,
  grants: ReferenceGrants,
): GatewayState {
  const listeners = evaluateListeners(gateway, secrets, grants);
  markConflicts(listeners);
  markOverlappingTls(listeners);
  const { request, unsupported } = addressRequest(gateway);
  return {
    gateway,
    key,
    cls,
    ...(unsupported ? { unsupportedAddress: unsupported } : {}),
    listeners,
    accepted: acceptance(gateway, cls, listeners, unsupported),
    request,
    bind: [],
    reported: [],
  };
}

/**
 * Judges the Gateway again once listeners were found conflicting with another Gateway's on a shared
 * address; a Gateway left with no valid listener gives its address back.
 */
export function reviewGatewayAcceptance(g: GatewayState): void {
  if (!g.accepted.ok) return;
  g.accepted = acceptance(g.gateway, g.cls, g.listeners, g.unsupportedAddress);
  if (!g.accepted.ok) {
    g.bind = [];
    g.reported = [];
    delete g.addressProblem;
  }
}
