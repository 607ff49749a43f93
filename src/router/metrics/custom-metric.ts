/**
 * A prom-client metric whose values are computed at scrape time from plain state. The router counts
 * requests in plain numbers on the hot path and only turns them into Prometheus series when scraped,
 * so a request costs a map lookup and a few additions, not prom-client's label hashing.
 */
import type { Registry, MetricObjectWithValues, MetricValue, MetricType } from 'prom-client';

export type Aggregator = 'sum' | 'first' | 'min' | 'max' | 'average' | 'omit';

export interface ScrapeValue {
  value: number;
  labels?: Record<string, string | number>;
  /** For histograms: name_bucket, name_sum, name_count. */
  metricName?: string;
}

export function registerComputedMetric(
  registry: Registry,
  spec: { name: string; help: string; type: 'counter' | 'gauge' | 'histogram'; aggregator: Aggregator },
  values: () => ScrapeValue[],
): void {
  const metric = {
    name: spec.name,
    help: spec.help,
    type: spec.type,
    aggregator: spec.aggregator,
    get: (): MetricObjectWithValues<MetricValue<string>> =>
      ({
        name: spec.name,
        help: spec.help,
        type: spec.type as unknown as MetricType,
        aggregator: spec.aggregator,
        values: values().map((v) => ({ value: v.value, labels: v.labels ?? {}, ...(v.metricName ? { metricName: v.metricName } : {}) })),
      }) as unknown as MetricObjectWithValues<MetricValue<string>>,
  };
  // registerMetric only needs name and get(); prom-client's own classes are not required.
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}
