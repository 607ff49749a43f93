/**
 * One RouterEngine in this process: standalone mode and tests. The engine's apply is already atomic
 * (it keeps the old config when the new one fails), so this adds version bookkeeping, metrics and
 * one-at-a-time swaps. A delta's result shares its unchanged pieces with the live config, so the
 * engine recompiles only what changed.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RouterConfig } from '../../contract/router-config.schema.js';
import type { Settings } from '../../config/settings.schema.js';
import { withVersion } from '../../contract/config-version.js';
import { createAccessLog, requestObserver } from '../metrics/access-log.js';
import { registerConfigMetrics } from '../metrics/config-metrics.js';
import { createProcessRegistry } from '../metrics/process-registry.js';
import { InternalErrors } from '../metrics/internal-errors.js';
import { RequestMetrics } from '../metrics/request-metrics.js';
import {
  ConfigApplyError,
  describeError,
  parseDeltaOnLive,
  rejectionStatus,
  SerialQueue,
  type ApplierStats,
  type ApplyResult,
  type ConfigApplier,
  type LiveConfig,
} from './config-applier.js';
import { engineOptions, createRouterEngine, type Engine, type EndpointHealth, type EngineFactory, type EngineSettings } from './engine-port.js';

export interface InProcessRouterOptions {
  settings: EngineSettings & Pick<Settings, 'accessLog' | 'accessLogSample'>;
  logger: Logger;
  /** Where metrics go; a fresh registry with process metrics by default. */
  registry?: Registry;
  /** The engine to run; the real RouterEngine by default. */
  createEngine?: EngineFactory;
}

export class InProcessRouter implements ConfigApplier {
  private live: LiveConfig | undefined;
  private swaps = 0;
  private failures = 0;
  private closing = false;
  private readonly queue = new SerialQueue();

  private constructor(
    private readonly engine: Engine,
    private readonly requestMetrics: RequestMetrics,
    readonly registry: Registry,
    private readonly logger: Logger,
  ) {
    registerConfigMetrics(registry, this);
  }

  static async start(options: InProcessRouterOptions): Promise<InProcessRouter> {
    const registry = options.registry ?? createProcessRegistry();
    const metrics = new RequestMetrics(registry);
    const { settings } = options;
    const accessLog = settings.accessLog ? createAccessLog(options.logger, settings.accessLogSample) : undefined;
    const createEngine = options.createEngine ?? createRouterEngine;
    const internalErrors = new InternalErrors(registry, options.logger);
    const engine = createEngine(engineOptions(settings, requestObserver(metrics.observe, accessLog), internalErrors.report));
    return new InProcessRouter(engine, metrics, registry, options.logger);
  }

  get current(): LiveConfig | undefined {
    return this.live;
  }
  get swapCount(): number {
    return this.swaps;
  }
  get swapFailures(): number {
    return this.failures;
  }
  get draining(): boolean {
    return this.closing;
  }
  get metricsContentType(): string {
    return this.registry.contentType;
  }

  /** Addresses the listeners really bound (tests use it to find ports). */
  boundAddresses(): Map<string, { address: string; port: number }> {
    return this.engine.boundAddresses();
  }

  apply(document: RouterConfig): Promise<ApplyResult> {
    return this.queue.run(() => this.put(() => withVersion(document)));
  }

  applyDelta(body: unknown): Promise<ApplyResult> {
    // Parsed in the queue: a delta is checked against the config live when its turn comes.
    return this.queue.run(async () => {
      const started = performance.now();
      const result = await this.put(() => parseDeltaOnLive(this.live, body));
      this.logger.debug({ version: result.version, ms: +(performance.now() - started).toFixed(1) }, 'delta live');
      return result;
    });
  }

  private async put(build: () => RouterConfig): Promise<ApplyResult> {
    if (this.closing) throw new ConfigApplyError(503, 'router is shutting down');
    const config = build();
    const version = config.version as string;
    if (this.live?.version === version) return { ...this.live, changed: false };
    try {
      await this.engine.apply(config);
    } catch (err) {
      this.failures++;
      const { reason, code } = describeError(err);
      this.logger.warn({ version, reason, code }, 'config rejected by the engine; previous config still serving');
      throw new ConfigApplyError(rejectionStatus(code), reason);
    }
    this.swaps++;
    this.requestMetrics.configChanged(config);
    this.live = { config, version, changedAt: new Date() };
    return { ...this.live, changed: true };
  }

  async endpointHealth(): Promise<EndpointHealth[]> {
    return this.engine.endpointHealth();
  }

  stats(): ApplierStats {
    return { mode: 'in-process', workers: 1, readyWorkers: this.closing ? 0 : 1, workerRestarts: 0, pids: [process.pid] };
  }

  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  async close(drainMs: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.engine.close(drainMs);
  }
}
