/**
 * serval_internal_errors_total{site} and the log of what the engine's catch-alls caught. Every error
 * is counted; the log is rate-limited (one line per interval, with the count of those it left out)
 * so a bug that every request hits cannot flood the log or cost each request a write.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { INTERNAL_ERROR_SITES, type InternalErrorHook, type InternalErrorSite } from '../engine/internal-errors.js';
import { registerComputedMetric } from './custom-metric.js';

/** At most one log line per this many ms. */
export const INTERNAL_ERROR_LOG_INTERVAL_MS = 10_000;

export interface InternalErrorsOptions {
  intervalMs?: number;
  /** Milliseconds clock; tests pass their own to step past the interval without waiting. */
  now?: () => number;
}

export class InternalErrors {
  private readonly counts: Record<InternalErrorSite, number> = { request: 0, upgrade: 0, 'upstream-request': 0 };
  private readonly intervalMs: number;
  private readonly now: () => number;
  private nextLogAt = -Infinity;
  private suppressed = 0;

  constructor(
    registry: Registry,
    private readonly logger: Logger,
    options: InternalErrorsOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? INTERNAL_ERROR_LOG_INTERVAL_MS;
    this.now = options.now ?? Date.now;
    registerComputedMetric(
      registry,
      { name: 'serval_internal_errors_total', help: 'Errors the router caught on the request path (bugs: the client got 500 or a cut response), by site.', type: 'counter', aggregator: 'sum' },
      () => INTERNAL_ERROR_SITES.map((site) => ({ value: this.counts[site], labels: { site } })),
    );
  }

  /** The engine's onInternalError hook (an arrow property: handed over without bind). */
  readonly report: InternalErrorHook = (site, err) => {
    this.counts[site]++;
    const now = this.now();
    if (now < this.nextLogAt) {
      this.suppressed++;
      return;
    }
    this.nextLogAt = now + this.intervalMs;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    this.logger.error({ site, err, suppressed }, `internal error on the request path (${suppressed} more since the last line)`);
  };
}
