/** Endpoint health as the admin API shows it: each worker sees its own passive health and in-flight counts. */
import type { EndpointHealth } from './engine-port.js';

/** One row per endpoint across workers: in-flight summed, healthy only if every worker sees it healthy. */
export function mergeEndpointHealth(perWorker: EndpointHealth[][]): EndpointHealth[] {
  const merged = new Map<string, EndpointHealth>();
  for (const list of perWorker) {
    for (const e of list) {
      const key = `${e.pool}\u0000${e.host}\u0000${e.port}`;
      const seen = merged.get(key);
      if (!seen) {
        merged.set(key, { ...e });
        continue;
      }
      seen.inFlight += e.inFlight;
      seen.healthy = seen.healthy && e.healthy;
      if (e.ejectedUntil !== undefined) seen.ejectedUntil = Math.max(seen.ejectedUntil ?? 0, e.ejectedUntil);
    }
  }
  return [...merged.values()];
}
