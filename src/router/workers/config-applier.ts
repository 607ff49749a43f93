/**
 * A ConfigApplier puts a validated router config live: in this process (InProcessRouter) or in every
 * traffic worker (WorkerPool). The admin API and the lifecycle code only ever see this interface.
 */
import type { RouterConfig } from '../../contract/router-config.schema.js';
import type { EndpointHealth } from './engine-port.js';

export interface LiveConfig {
  config: RouterConfig;
  version: string;
  /** When this config went live. */
  changedAt: Date;
}

export interface ApplyResult extends LiveConfig {
  /** False when the same version was already live (nothing was swapped). */
  changed: boolean;
}

export interface ApplierStats {
  mode: 'in-process' | 'workers';
  workers: number;
  readyWorkers: number;
  workerRestarts: number;
  pids: number[];
}

export interface ConfigApplier {
  /** Puts a config live everywhere or nowhere. Throws ConfigApplyError; the previous config keeps serving. */
  apply(config: RouterConfig): Promise<ApplyResult>;
  readonly current: LiveConfig | undefined;
  readonly swapCount: number;
  readonly swapFailures: number;
  /** True once close() began: stop advertising readiness, refuse new configs. */
  readonly draining: boolean;
  endpointHealth(): Promise<EndpointHealth[]>;
  stats(): ApplierStats;
  /** Prometheus text of every process serving traffic (aggregated across workers). */
  metricsText(): Promise<string>;
  readonly metricsContentType: string;
  /** Stops accepting, lets in-flight requests finish within drainMs, then releases everything. */
  close(drainMs: number): Promise<void>;
}

/** Why a valid document could not be put live; `status` is what the admin API answers. */
export class ConfigApplyError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'ConfigApplyError';
  }
}

/** Errors the engine raises for a config the host cannot honour (a port taken, an address not here). */
const HOST_CONFLICTS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

/** The HTTP status for an engine rejection: the document conflicts with the host (409) or is unusable (422). */
export function rejectionStatus(code: string | undefined): number {
  return code && HOST_CONFLICTS.has(code) ? 409 : 422;
}

export function describeError(err: unknown): { reason: string; code?: string } {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return { reason: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { reason: String(err) };
}

/** Runs tasks one at a time, in arrival order: config swaps must never interleave. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
