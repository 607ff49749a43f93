/**
 * Gateway listeners: what each one is (protocol, hostname, certificates, allowed kinds) and whether it
 * can be served, before any route is looked at. Conflicts are marked by conflicts.ts.
 */
import type { ReferenceGrants } from '../reference-grants.js';
import type { Listener } from '../../gateway-api/types.js';
import type { Gateway, Secret } from '../translator.types.js';
import { resolveCertificates, type KeyPair } from './certificates.js';
import { routeKinds, type RouteGroupKind } from './allowed-routes.js';

export interface Verdict {
  ok: boolean;
  reason: string;
  message: string;
}

export interface ListenerState {
  gateway: Gateway;
  spec: Listener;
  name: string;
  port: number;
  protocol: string;
  hostname?: string;
  /** HTTP, or HTTPS with TLS mode Terminate: what the router serves. */
  servable: boolean;
  supportedKinds: RouteGroupKind[];
  certificates: KeyPair[];
  accepted: Verdict;
  resolvedRefs: Verdict;
  conflicted?: { reason: 'HostnameConflict' | 'ProtocolConflict'; message: string };
  overlappingTls: boolean;
  attachedRoutes: number;
}

const OK_ACCEPTED: Verdict = { ok: true, reason: 'Accepted', message: 'Listener accepted' };
const OK_REFS: Verdict = { ok: true, reason: 'ResolvedRefs', message: 'All references resolved' };

/**
 * The client certificate validation the Gateway asks of an HTTPS listener on `port`
 * (spec.tls.frontend: the per-port entry, else the default), if any.
 */
function frontendValidation(gateway: Gateway, port: number): unknown {
  const frontend = gateway.spec?.tls?.frontend;
  const perPort = (frontend?.perPort ?? []).find((p) => p?.port === port);
  return perPort ? perPort.tls?.validation : frontend?.default?.validation;
}

function acceptance(spec: Listener, gateway: Gateway): Verdict {
  // The CRD schema keeps a port in range; YAML files (standalone) and older CRDs do not.
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) {
    return { ok: false, reason: 'UnsupportedValue', message: `port ${JSON.stringify(spec.port)} is not a port number (1-65535)` };
  }
  const protocol = spec.protocol;
  if (protocol === 'HTTP') return OK_ACCEPTED;
  if (protocol === 'HTTPS') {
    const mode = spec.tls?.mode ?? 'Terminate';
    if (mode !== 'Terminate') {
      return { ok: false, reason: 'UnsupportedProtocol', message: `TLS mode ${mode} is not supported (only Terminate)` };
    }
    // Fail closed: serving it would let in clients without the certificate the Gateway demands.
    if (frontendValidation(gateway, spec.port)) {
      return {
        ok: false,
        reason: 'UnsupportedValue',
        message: 'client certificate validation (spec.tls.frontend) is not supported: the listener is not served rather than served without it',
      };
    }
    return OK_ACCEPTED;
  }
  return { ok: false, reason: 'UnsupportedProtocol', message: `protocol ${protocol} is not supported (only HTTP and HTTPS)` };
}

export function evaluateListeners(
  gateway: Gateway,
  secrets: ReadonlyMap<string, Secret>,
  grants: ReferenceGrants,
): ListenerState[] {
  const listeners = gateway.spec?.listeners ?? [];
  return listeners.map((spec) => {
    const accepted = acceptance(spec, gateway);
    const kinds = routeKinds(spec, accepted.ok);
    let resolvedRefs = OK_REFS;
    let certificates: KeyPair[] = [];
    if (accepted.ok && spec.protocol === 'HTTPS') {
      const certs = resolveCertificates(gateway, spec.tls?.certificateRefs ?? [], secrets, grants);
      certificates = certs.pairs;
      if (certs.problem) resolvedRefs = { ok: false, ...certs.problem };
    }
    if (resolvedRefs.ok && kinds.invalid.length > 0) {
      const names = kinds.invalid.map((k) => `${k.group}/${k.kind}`).join(', ');
      resolvedRefs = { ok: false, reason: 'InvalidRouteKinds', message: `route kinds not supported: ${names}` };
    }
    return {
      gateway,
      spec,
      name: spec.name,
      port: spec.port,
      protocol: spec.protocol,
      hostname: spec.hostname || undefined,
      servable: accepted.ok,
      supportedKinds: kinds.supported,
      certificates,
      accepted,
      resolvedRefs,
      overlappingTls: false,
      attachedRoutes: 0,
    };
  });
}

/**
 * Whether the router gets this listener: accepted, not conflicted, with its certificates resolved.
 * (An unsupported route kind alone does not stop the listener serving the kinds it does support.)
 */
export function isProgrammable(l: ListenerState): boolean {
  if (!l.accepted.ok || l.conflicted) return false;
  if (!l.resolvedRefs.ok && l.resolvedRefs.reason !== 'InvalidRouteKinds') return false;
  return l.supportedKinds.length > 0;
}
