/**
 * Backend references (Service + port) -> router pools named `<ns>/<service>:<port>`. A reference that
 * cannot be used comes back with the ResolvedRefs reason instead of a pool: the router answers 500 for
 * its share of traffic.
 */
import type { PoolConfig } from '../../contract/router-config.schema.js';
import { CORE_GROUP, GATEWAY_GROUP, compareStrings } from '../objects.js';
import type { ReferenceGrants } from '../reference-grants.js';
import type { BackendObjectReference } from '../../gateway-api/types.js';
import type { EndpointSlice, Service } from '../translator.types.js';
import { endpointsFor, indexSlices } from './endpoints.js';

export type BackendProblemReason = 'BackendNotFound' | 'InvalidKind' | 'RefNotPermitted';

export interface BackendResolution {
  pool?: string;
  problem?: { reason: BackendProblemReason; message: string };
}

export class BackendResolver {
  private readonly services: ReadonlyMap<string, Service>;
  private readonly slices: Map<string, EndpointSlice[]>;
  private readonly pools = new Map<string, PoolConfig>();

  constructor(
    services: ReadonlyMap<string, Service>,
    endpointSlices: readonly EndpointSlice[],
    private readonly grants: ReferenceGrants,
  ) {
    this.services = services;
    this.slices = indexSlices(endpointSlices);
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
    const allowed = this.grants.allows(
      { group: GATEWAY_GROUP, kind: 'HTTPRoute', namespace: routeNamespace },
      { group: CORE_GROUP, kind: 'Service', namespace: ns, name: ref.name },
    );
    if (!allowed) {
      return { problem: { reason: 'RefNotPermitted', message: `backendRef Service ${what} is in another namespace and no ReferenceGrant allows it` } };
    }
    const service = this.services.get(what);
    if (!service) return { problem: { reason: 'BackendNotFound', message: `Service ${what} not found` } };
    if (typeof ref.port !== 'number') {
      return { problem: { reason: 'BackendNotFound', message: `backendRef Service ${what} has no port` } };
    }
    const servicePort = (service.spec?.ports ?? []).find((p) => p.port === ref.port);
    if (!servicePort) return { problem: { reason: 'BackendNotFound', message: `Service ${what} has no port ${ref.port}` } };
    return { pool: `${what}:${ref.port}` };
  }

  /** Builds (once) the pool a resolved reference points at, so only pools in use reach the config. */
  use(poolName: string): void {
    if (this.pools.has(poolName)) return;
    const [key, port] = [poolName.slice(0, poolName.lastIndexOf(':')), Number(poolName.slice(poolName.lastIndexOf(':') + 1))];
    const service = this.services.get(key)!;
    const servicePort = (service.spec?.ports ?? []).find((p) => p.port === port);
    // resolve() found this port before the pool was used.
    this.pools.set(poolName, { name: poolName, endpoints: endpointsFor(this.slices.get(key) ?? [], servicePort!) });
  }

  usedPools(): PoolConfig[] {
    return [...this.pools.values()].sort((a, b) => compareStrings(a.name, b.name));
  }
}
