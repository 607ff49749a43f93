/**
 * Backend references (Service + port) -> router pools named `<ns>/<service>:<port>`. A reference that
 * cannot be used comes back with the ResolvedRefs reason instead of a pool: the router answers 500 for
 * its share of traffic. The pools themselves are built by PoolCache.
 */
import { CORE_GROUP, GATEWAY_GROUP } from '../objects.js';
import type { ReferenceGrants } from '../reference-grants.js';
import type { BackendObjectReference } from '../../gateway-api/types.js';
import type { Service } from '../translator.types.js';

export type BackendProblemReason = 'BackendNotFound' | 'InvalidKind' | 'RefNotPermitted';

export interface BackendResolution {
  pool?: string;
  problem?: { reason: BackendProblemReason; message: string };
}

/** What a resolution read, as the memo names it: a change to any of these may change the answer. */
export const serviceRead = (key: string): string => `svc:${key}`;
export const grantRead = (fromNamespace: string, toNamespace: string): string => `grant:${fromNamespace}>${toNamespace}`;

export class BackendResolver {
  /** What resolve() read since reading() started (undefined: not recording). */
  private reads: string[] | undefined;

  constructor(
    private readonly services: ReadonlyMap<string, Service>,
    private readonly grants: ReferenceGrants,
  ) {}

  /** Runs `fn` and returns, with its value, what the resolutions it made read (see serviceRead, grantRead). */
  reading<T>(fn: () => T): { value: T; reads: string[] } {
    const reads: string[] = [];
    this.reads = reads;
    try {
      return { value: fn(), reads };
    } finally {
      this.reads = undefined;
    }
  }

  /** Resolves a backendRef of an HTTPRoute in `routeNamespace` (does not register the pool). */
  resolve(ref: BackendObjectReference, routeNamespace: string): BackendResolution {
    const group = ref.group ?? CORE_GROUP;
    const kind = ref.kind ?? 'Service';
    const ns = ref.namespace ?? routeNamespace;
    const what = `${ns}/${ref.name}`;
    if (group !== CORE_GROUP || kind !== 'Service') {
      return { problem: { reason: 'InvalidKind', message: `backendRef ${group}/${kind} ${what}: only core Services are supported` } };
    }
    if (ns !== routeNamespace) this.reads?.push(grantRead(routeNamespace, ns));
    const allowed = this.grants.allows(
      { group: GATEWAY_GROUP, kind: 'HTTPRoute', namespace: routeNamespace },
      { group: CORE_GROUP, kind: 'Service', namespace: ns, name: ref.name },
    );
    if (!allowed) {
      return { problem: { reason: 'RefNotPermitted', message: `backendRef Service ${what} is in another namespace and no ReferenceGrant allows it` } };
    }
    this.reads?.push(serviceRead(what));
    const service = this.services.get(what);
    if (!service) return { problem: { reason: 'BackendNotFound', message: `Service ${what} not found` } };
    if (typeof ref.port !== 'number') {
      return { problem: { reason: 'BackendNotFound', message: `backendRef Service ${what} has no port` } };
    }
    const servicePort = (service.spec?.ports ?? []).find((p) => p.port === ref.port);
    if (!servicePort) return { problem: { reason: 'BackendNotFound', message: `Service ${what} has no port ${ref.port}` } };
    return { pool: `${what}:${ref.port}` };
  }
}
