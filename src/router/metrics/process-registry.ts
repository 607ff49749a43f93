/** A registry per process with Node's default process metrics (CPU, memory, event loop, GC). */
import { collectDefaultMetrics, Registry } from 'prom-client';

export function createProcessRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
