/**
 * Gateway addresses. Each Gateway gets its own IP from the pool (options.gatewayAddresses) so several
 * Gateways can all listen on :80. Order of claims, over Gateways sorted by namespace/name:
 *   1. static spec.addresses that are in the pool and free;
 *   2. the address a Gateway already reports in status, if still in the pool and free (stability);
 *   3. the first free pool address.
 * With an empty pool every Gateway binds 0.0.0.0 and reports the public addresses: options.publicAddress,
 * else those of options.publicAddressService (see serviceAddresses), else none (AddressNotAssigned).
 */
import type { GatewayState } from './gateway/gateway.js';
import type { Service, TranslatorOptions } from './translator.types.js';

export const ANY_ADDRESS = '0.0.0.0';

/** Gateway status holds at most 16 addresses. */
const MAX_REPORTED = 16;

/**
 * Where clients reach a Service from outside: its load balancer ingress (ip, else hostname) then
 * spec.externalIPs, de-duplicated. Not spec.clusterIP: a Gateway reporting an in-cluster address would
 * claim to be reachable when it is not.
 */
export function serviceAddresses(service: Service): string[] {
  const ingress = service.status?.loadBalancer?.ingress ?? [];
  const external: unknown[] = service.spec?.externalIPs ?? [];
  const all = [...ingress.map((i) => i?.ip || i?.hostname), ...external].filter((a): a is string => typeof a === 'string' && a !== '');
  return [...new Set(all)].slice(0, MAX_REPORTED);
}

function publicAddresses(options: TranslatorOptions, services: readonly Service[]): { addresses: string[]; missing: string } {
  if (options.publicAddress) return { addresses: [options.publicAddress], missing: '' };
  const ref = options.publicAddressService;
  if (!ref) return { addresses: [], missing: 'no address pool and no public address configured' };
  const service = services.find((s) => s.metadata.namespace === ref.namespace && s.metadata.name === ref.name);
  if (!service) return { addresses: [], missing: `no address pool, and the Service ${ref.namespace}/${ref.name} does not exist` };
  const addresses = serviceAddresses(service);
  return { addresses, missing: `no address pool, and the Service ${ref.namespace}/${ref.name} has no load balancer address or external IP yet` };
}

function reportedInStatus(state: GatewayState): string[] {
  const addresses = state.gateway.status?.addresses ?? [];
  return addresses.filter((a) => (a.type ?? 'IPAddress') === 'IPAddress' && typeof a.value === 'string').map((a) => a.value);
}

export function assignAddresses(gateways: readonly GatewayState[], options: TranslatorOptions, services: readonly Service[] = []): void {
  const accepted = gateways.filter((g) => g.accepted.ok);
  const pool = options.gatewayAddresses;

  if (pool.length === 0) {
    const publicAddrs = publicAddresses(options, services);
    for (const g of accepted) {
      g.bind = [ANY_ADDRESS];
      g.reported = [...publicAddrs.addresses];
      const unusable = g.request.staticIps.filter((ip) => !publicAddrs.addresses.includes(ip));
      if (unusable.length > 0) {
        g.addressProblem = { reason: 'AddressNotUsable', message: `addresses ${unusable.join(', ')} cannot be used: no address pool is configured` };
      } else if (g.reported.length === 0) {
        g.addressProblem = { reason: 'AddressNotAssigned', message: publicAddrs.missing };
      }
    }
    return;
  }

  const inPool = new Set(pool);
  const taken = new Set<string>();

  for (const g of accepted) {
    if (g.request.staticIps.length === 0) continue;
    const unusable: string[] = [];
    for (const ip of g.request.staticIps) {
      if (inPool.has(ip) && !taken.has(ip)) {
        taken.add(ip);
        g.bind.push(ip);
      } else unusable.push(ip);
    }
    if (unusable.length > 0) {
      g.addressProblem = {
        reason: 'AddressNotUsable',
        message: `addresses ${unusable.join(', ')} are not in the address pool or are used by another Gateway`,
      };
    }
  }

  const wantsDynamic = accepted.filter((g) => g.request.dynamic && g.bind.length === 0);
  const stillNeeding: GatewayState[] = [];
  for (const g of wantsDynamic) {
    const kept = reportedInStatus(g).find((ip) => inPool.has(ip) && !taken.has(ip));
    if (kept) {
      taken.add(kept);
      g.bind = [kept];
    } else stillNeeding.push(g);
  }
  for (const g of stillNeeding) {
    const free = pool.find((ip) => !taken.has(ip));
    if (free) {
      taken.add(free);
      g.bind = [free];
    } else {
      g.addressProblem = { reason: 'AddressNotAssigned', message: `address pool exhausted (${pool.length} addresses)` };
    }
  }

  for (const g of accepted) g.reported = [...g.bind];
}
