/**
 * A ConfigApplier puts a validated router config live: in this process (InProcessRouter) or in every
 * traffic worker (WorkerPool). The admin API and the lifecycle code only ever see this interface.
 */
import { applyConfigDelta, ConfigDeltaMismatchError } from '../../contract/config-delta.js';
import type { ConfigDelta, RouterConfig } from '../../contract/router-config.schema.js';
import { parseConfigDelta } from '../../contract/validate-config.js';
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
  /**
   * Puts live what a ConfigDelta body (PATCH /config) makes of the config that is live when its turn
   * comes (applies are serialized). Throws ConfigValidationError (bad body), ConfigDeltaMismatchError
   * (no config yet, another base version, or the result does not hash to delta.version) or
   * ConfigApplyError; the previous config keeps serving.
   */
  applyDelta(body: unknown): Promise<ApplyResult>;
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

/** Error code of a delta that does not fit a worker's copy of the config (the primary then sends it whole). */
export const DELTA_MISMATCH = 'DELTA_MISMATCH';

export function describeError(err: unknown): { reason: string; code?: string } {
  if (err instanceof ConfigDeltaMismatchError) return { reason: err.message, code: DELTA_MISMATCH };
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

/** The primary's side of PATCH /config: validates `body` as a delta of the live config and returns the result. */
export function parseDeltaOnLive(live: LiveConfig | undefined, body: unknown): RouterConfig {
  if (!live) throw new ConfigDeltaMismatchError('no config loaded yet: send the whole config');
  return parseConfigDelta(live.config, body);
}

/**
 * A traffic worker's side: the delta the primary already validated, applied to this worker's own copy
 * (unchanged pieces stay its own objects, with their compiled forms). The primary checked that the
 * result hashes to delta.version; equal base versions mean equal documents, so this does not rehash.
 */
export function applyDeltaToCopy(copy: RouterConfig | undefined, delta: ConfigDelta): RouterConfig {
  if (!copy) throw new ConfigDeltaMismatchError('this worker has no config yet');
  return applyConfigDelta(copy, delta);
}
