/**
 * Config state metrics, read from the applier at scrape time: which version is live, how many swaps
 * succeeded or failed, and when the config last changed. Only the process that owns the applier
 * (the primary, or the single in-process router) registers them.
 */
import type { Registry } from 'prom-client';
import { registerComputedMetric } from './custom-metric.js';

export interface ConfigState {
  readonly current: { version: string; changedAt: Date } | undefined;
  readonly swapCount: number;
  readonly swapFailures: number;
}

export function registerConfigMetrics(registry: Registry, state: ConfigState): void {
  registerComputedMetric(
    registry,
    { name: 'serval_config_info', help: 'The config version being served (value always 1).', type: 'gauge', aggregator: 'first' },
    () => (state.current ? [{ value: 1, labels: { version: state.current.version } }] : []),
  );
  registerComputedMetric(
    registry,
    { name: 'serval_config_swaps_total', help: 'Configs put live.', type: 'counter', aggregator: 'sum' },
    () => [{ value: state.swapCount }],
  );
  registerComputedMetric(
    registry,
    { name: 'serval_config_swap_failures_total', help: 'Valid configs that could not be put live (the previous one kept serving).', type: 'counter', aggregator: 'sum' },
    () => [{ value: state.swapFailures }],
  );
  registerComputedMetric(
    registry,
    { name: 'serval_config_last_change_timestamp_seconds', help: 'Unix time the live config went live.', type: 'gauge', aggregator: 'first' },
    () => (state.current ? [{ value: state.current.changedAt.getTime() / 1000 }] : []),
  );
}
