/**
 * Gateway addresses. Each Gateway gets its own IP from the pool (options.gatewayAddresses) so several
 * Gateways can all listen on :80. Order of claims, over Gateways sorted by namespace/name:
 *   1. static spec.addresses that are in the pool and free;
 *   2. the address a Gateway already reports in status, if still in the pool and free (stability);
 *   3. the first free pool address.
 * With an empty pool every Gateway binds 0.0.0.0 and reports options.publicAddress.
 */
import type { GatewayState } from './gateway/gateway.js';
import type { TranslatorOptions } from './translator.types.js';

export const ANY_ADDRESS = '0.0.0.0';

function reportedInStatus(state: GatewayState): string[] {
  const addresses: any[] = state.gateway.status?.addresses ?? [];
  return addresses.filter((a) => (a.type ?? 'IPAddress') === 'IPAddress' && typeof a.value === 'string').map((a) => a.value);
}

export function assignAddresses(gateways: readonly GatewayState[], options: TranslatorOptions): void {
  const accepted = gateways.filter((g) => g.accepted.ok);
  const pool = options.gatewayAddresses;

  if (pool.length === 0) {
    for (const g of accepted) {
      g.bind = [ANY_ADDRESS];
      g.reported = options.publicAddress ? [options.publicAddress] : [];
      const unusable = g.request.staticIps.filter((ip) => ip !== options.publicAddress);
      if (unusable.length > 0) {
        g.addressProblem = { reason: 'AddressNotUsable', message: `addresses ${unusable.join(', ')} cannot be used: no address pool is configured` };
      } else if (g.reported.length === 0) {
        g.addressProblem = { reason: 'AddressNotAssigned', message: 'no address pool and no public address configured' };
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
