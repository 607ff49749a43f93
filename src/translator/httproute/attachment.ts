/**
 * HTTPRoute parentRefs -> the listeners of our Gateways the route attaches to, with the hostnames it
 * serves on each, or the reason it does not attach (Accepted=False reasons).
 */
import { namespaceAllowed } from '../gateway/allowed-routes.js';
import type { GatewayState } from '../gateway/gateway.js';
import type { ListenerState, Verdict } from '../gateway/listeners.js';
import { intersectHostnames } from '../hostnames.js';
import { GATEWAY_GROUP } from '../objects.js';
import type { ParentReference } from '../../gateway-api/types.js';
import type { HTTPRoute, Namespace } from '../translator.types.js';

export interface ParentRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface Attachment {
  listener: ListenerState;
  /** Effective hostnames (route x listener); `*` = every host. */
  hostnames: string[];
}

export interface ParentResult {
  parentRef: ParentRef;
  gateway: GatewayState;
  accepted: Verdict;
  attachments: Attachment[];
}

export function normalizeParentRef(ref: ParentReference, routeNamespace: string): ParentRef {
  const out: ParentRef = {
    group: ref.group ?? GATEWAY_GROUP,
    kind: ref.kind ?? 'Gateway',
    namespace: ref.namespace ?? routeNamespace,
    name: ref.name,
  };
  if (ref.sectionName !== undefined) out.sectionName = ref.sectionName;
  if (ref.port !== undefined) out.port = ref.port;
  return out;
}

export function parentRefKey(ref: ParentRef): string {
  return `${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}/${ref.sectionName ?? ''}/${ref.port ?? ''}`;
}

function kindAllowed(listener: ListenerState): boolean {
  return listener.supportedKinds.some((k) => k.group === GATEWAY_GROUP && k.kind === 'HTTPRoute');
}

function attachToParent(route: HTTPRoute, ref: ParentRef, gateway: GatewayState, namespaces: ReadonlyMap<string, Namespace>): ParentResult {
  const routeNs = route.metadata.namespace ?? 'default';
  const gatewayNs = gateway.gateway.metadata.namespace ?? 'default';
  const result = (accepted: Verdict, attachments: Attachment[] = []): ParentResult => ({ parentRef: ref, gateway, accepted, attachments });

  const candidates = gateway.listeners.filter(
    (l) => (ref.sectionName === undefined || l.name === ref.sectionName) && (ref.port === undefined || l.port === ref.port),
  );
  if (candidates.length === 0) {
    const which = [ref.sectionName && `sectionName "${ref.sectionName}"`, ref.port && `port ${ref.port}`].filter(Boolean).join(' and ');
    return result({ ok: false, reason: 'NoMatchingParent', message: `Gateway ${gatewayNs}/${ref.name} has no listener with ${which}` });
  }
  const allowed = candidates.filter((l) => kindAllowed(l) && namespaceAllowed(l.spec, gatewayNs, routeNs, namespaces));
  if (allowed.length === 0) {
    return result({ ok: false, reason: 'NotAllowedByListeners', message: `no listener of Gateway ${gatewayNs}/${ref.name} allows HTTPRoutes from namespace ${routeNs}` });
  }
  const routeHostnames = route.spec?.hostnames ?? [];
  const attachments = allowed
    .map((listener) => ({ listener, hostnames: intersectHostnames(listener.hostname, routeHostnames) }))
    .filter((a) => a.hostnames.length > 0);
  if (attachments.length === 0) {
    return result({ ok: false, reason: 'NoMatchingListenerHostname', message: 'no route hostname matches a listener hostname' });
  }
  return result({ ok: true, reason: 'Accepted', message: 'Route accepted' }, attachments);
}

/** One result per distinct parentRef that names a Gateway of ours; other parents are not ours to judge. */
export function attachRoute(
  route: HTTPRoute,
  gateways: ReadonlyMap<string, GatewayState>,
  namespaces: ReadonlyMap<string, Namespace>,
): ParentResult[] {
  const routeNs = route.metadata.namespace ?? 'default';
  const seen = new Set<string>();
  const results: ParentResult[] = [];
  for (const raw of route.spec?.parentRefs ?? []) {
    const ref = normalizeParentRef(raw, routeNs);
    if (ref.group !== GATEWAY_GROUP || ref.kind !== 'Gateway') continue;
    const gateway = gateways.get(`${ref.namespace}/${ref.name}`);
    const key = parentRefKey(ref);
    if (!gateway || seen.has(key)) continue;
    seen.add(key);
    results.push(attachToParent(route, ref, gateway, namespaces));
  }
  return results;
}
