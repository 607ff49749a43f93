/**
 * Per-request metrics of one traffic process: serval_requests_total{route,status},
 * serval_request_duration_seconds{route} and serval_upstream_errors_total{kind}.
 *
 * The hot path (observe) touches one cached series per route: a map lookup, a bucket scan over a
 * dozen bounds and a few additions. Series of routes that left the config are dropped so a churning
 * route table cannot grow the scrape without bound: at the next scrape, or when the series double,
 * not on each swap (that walks every route, ~1 ms at 5,000, on the way to a config going live).
 */
import type { Registry } from 'prom-client';
import type { RouterConfig } from '../../contract/router-config.schema.js';
import type { RequestObservation } from '../workers/engine-port.js';
import { registerComputedMetric, type ScrapeValue } from './custom-metric.js';

/** Upper bounds in seconds: proxying adds well under a millisecond, upstreams take what they take. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

const UPSTREAM_ERROR_KINDS = ['connect', 'timeout', 'reset', 'protocol'] as const;
type UpstreamErrorKind = (typeof UPSTREAM_ERROR_KINDS)[number];

/** Label used for requests that matched no route (404s). */
export const NO_ROUTE = '';

class RouteSeries {
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;
  readonly byStatus = new Map<number, number>();
}

export class RequestMetrics {
  private readonly series = new Map<string, RouteSeries>();
  /** The live config, when series of routes it no longer has may still be here. */
  private pruneTo: RouterConfig | undefined;
  private sizeAfterPrune = 0;
  private readonly upstreamErrors: Record<UpstreamErrorKind, number> = { connect: 0, timeout: 0, reset: 0, protocol: 0 };

  constructor(registry: Registry) {
    registerComputedMetric(
      registry,
      { name: 'serval_requests_total', help: 'Requests answered, by route name and status code.', type: 'counter', aggregator: 'sum' },
      () => this.requestValues(),
    );
    registerComputedMetric(
      registry,
      { name: 'serval_request_duration_seconds', help: 'Time from request start to response end, by route name.', type: 'histogram', aggregator: 'sum' },
      () => this.durationValues(),
    );
    registerComputedMetric(
      registry,
      { name: 'serval_upstream_errors_total', help: 'Upstream failures by kind (connect, timeout, reset, protocol).', type: 'counter', aggregator: 'sum' },
      () => UPSTREAM_ERROR_KINDS.map((kind) => ({ value: this.upstreamErrors[kind], labels: { kind } })),
    );
  }

  /** The engine's onRequest hook. An arrow property so it can be handed over without bind. */
  readonly observe = (o: RequestObservation): void => {
    const route = o.route ?? NO_ROUTE;
    let s = this.series.get(route);
    if (s === undefined) {
      s = new RouteSeries();
      this.series.set(route, s);
      if (this.pruneTo !== undefined && this.series.size > 2 * this.sizeAfterPrune + 64) this.prune();
    }
    s.byStatus.set(o.status, (s.byStatus.get(o.status) ?? 0) + 1);
    const d = o.durationSeconds;
    let i = 0;
    while (i < DURATION_BUCKETS.length && d > DURATION_BUCKETS[i]) i++;
    s.buckets[i]++;
    s.sum += d;
    s.count++;
    if (o.upstreamError !== undefined) this.upstreamErrors[o.upstreamError]++;
  };

  /** Drops the series of routes no longer in the config (the no-route series always stays). */
  retainRoutes(routeNames: ReadonlySet<string>): void {
    for (const name of this.series.keys()) {
      if (name !== NO_ROUTE && !routeNames.has(name)) this.series.delete(name);
    }
    this.sizeAfterPrune = this.series.size;
  }

  /** A new config went live: its routes are the ones worth keeping series for (pruned lazily). */
  configChanged(config: RouterConfig): void {
    this.pruneTo = config;
  }

  private prune(): void {
    const config = this.pruneTo;
    if (config === undefined) return;
    this.pruneTo = undefined;
    this.retainRoutes(routeNames(config));
  }

  private requestValues(): ScrapeValue[] {
    this.prune();
    const out: ScrapeValue[] = [];
    for (const [route, s] of this.series) {
      for (const [status, n] of s.byStatus) out.push({ value: n, labels: { route, status } });
    }
    return out;
  }

  private durationValues(): ScrapeValue[] {
    this.prune();
    const name = 'serval_request_duration_seconds';
    const out: ScrapeValue[] = [];
    for (const [route, s] of this.series) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i];
        out.push({ metricName: `${name}_bucket`, value: cumulative, labels: { le, route } });
      });
      out.push({ metricName: `${name}_bucket`, value: s.count, labels: { le: '+Inf', route } });
      out.push({ metricName: `${name}_sum`, value: s.sum, labels: { route } });
      out.push({ metricName: `${name}_count`, value: s.count, labels: { route } });
    }
    return out;
  }
}

/** Names of every route in a config: the series worth keeping after a swap. */
export function routeNames(config: RouterConfig): Set<string> {
  const names = new Set<string>();
  for (const l of config.listeners) for (const v of l.virtualHosts) for (const r of v.routes) names.add(r.name);
  return names;
}
