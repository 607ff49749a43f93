/**
 * Traffic workers under node:cluster. The primary owns the config: it sends each new one to every
 * ready worker and answers success only when all of them put it live; if any fails, the ones that
 * took it are rolled back to the previous config (a worker that dies on the way is no failure once
 * another took it: its replacement starts from the config that went live). A delta (PATCH /config) travels as a delta: each
 * worker applies it to its own copy (keeping its compiled pieces), and a worker whose copy it does
 * not fit gets the whole config. A worker that dies is replaced and must take the current config
 * before it counts as ready. Metrics of all workers are aggregated here. One worker's IPC channel is a
 * WorkerHandle (worker-handle.ts).
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import { diffConfigs } from '../../contract/config-delta.js';
import type { ConfigDelta, RouterConfig } from '../../contract/router-config.schema.js';
import { withVersion } from '../../contract/config-version.js';
import { registerConfigMetrics } from '../metrics/config-metrics.js';
import { createProcessRegistry } from '../metrics/process-registry.js';
import {
  ConfigApplyError,
  DELTA_MISMATCH,
  parseDeltaOnLive,
  rejectionStatus,
  SerialQueue,
  type ApplierStats,
  type ApplyResult,
  type ConfigApplier,
  type LiveConfig,
} from './config-applier.js';
import { mergeEndpointHealth } from './endpoint-health-merge.js';
import type { EndpointHealth } from './engine-port.js';
import { isWorkerMessage, type DrainCommand, type WorkerMessage } from './ipc-messages.js';
import { WorkerHandle, type ApplyVerdict } from './worker-handle.js';

export interface WorkerPoolOptions {
  workers: number;
  logger: Logger;
  /** How long a worker may take to put a config live (a 10,000-route table compiles in well under this). */
  applyTimeoutMs?: number;
  /** How long start() waits for the first workers. */
  startTimeoutMs?: number;
}

/** A config with no listeners: what "no config" looks like when a first config must be rolled back. */
const EMPTY_CONFIG: RouterConfig = withVersion({ listeners: [], pools: [] });

interface ApplyOutcome {
  handle: WorkerHandle;
  ok: boolean;
  /** No answer (timeout, no channel): its state is unknown. */
  unanswered: boolean;
  /** It exited before answering: it holds no state, and its replacement onboards whatever goes live. */
  gone: boolean;
  status: number;
  reason: string;
}

export class WorkerPool implements ConfigApplier {
  private readonly handles = new Map<number, WorkerHandle>();
  private readonly queue = new SerialQueue();
  private readonly registry: Registry;
  private live: LiveConfig | undefined;
  private swaps = 0;
  private failures = 0;
  private restarts = 0;
  private closing = false;
  private restartDelayMs = 0;
  private readonly applyTimeoutMs: number;

  private constructor(private readonly options: WorkerPoolOptions) {
    this.applyTimeoutMs = options.applyTimeoutMs ?? 30_000;
    this.registry = createProcessRegistry();
    registerConfigMetrics(this.registry, this);
  }

  /** Forks the workers and resolves once each one is ready. Call in the cluster primary only. */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    if (!cluster.isPrimary) throw new Error('WorkerPool runs in the cluster primary');
    const pool = new WorkerPool(options);
    // A proxy's garbage is short-lived: an 8 MB semi-space (V8 default 16) keeps each worker's RSS
    // ~15-20 MB lower under load. An explicit flag on the command line wins.
    const execArgv = process.execArgv.some((a) => a.startsWith('--max-semi-space-size')) ? process.execArgv : [...process.execArgv, '--max-semi-space-size=8'];
    cluster.setupPrimary({ execArgv });
    cluster.on('exit', (worker, code, signal) => pool.onExit(worker, code, signal));
    for (let i = 0; i < options.workers; i++) pool.fork();
    await pool.waitForReady(options.workers, options.startTimeoutMs ?? 60_000);
    return pool;
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

  private readyHandles(): WorkerHandle[] {
    return [...this.handles.values()].filter((h) => h.ready && h.worker.isConnected());
  }

  private fork(): void {
    const worker = cluster.fork();
    const handle = new WorkerHandle(worker);
    this.handles.set(worker.id, handle);
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      this.onMessage(handle, message);
    });
  }

  private onMessage(handle: WorkerHandle, message: WorkerMessage): void {
    if (message.type === 'serval:ready') {
      void this.queue.run(() => this.onboard(handle));
      return;
    }
    handle.settle(message);
  }

  /** A new worker takes the current config before it counts as ready (runs in the swap queue). */
  private async onboard(handle: WorkerHandle): Promise<void> {
    if (this.closing || !handle.worker.isConnected()) return;
    const live = this.live;
    if (live) {
      try {
        const reply = await handle.applyConfig(live.config, this.applyTimeoutMs);
        if (!reply.ok) throw new Error(reply.reason);
      } catch (err) {
        this.options.logger.error({ pid: handle.pid, version: live.version, reason: (err as Error).message }, 'new worker could not take the current config; replacing it');
        handle.terminate();
        return;
      }
    }
    handle.ready = true;
    this.options.logger.info({ pid: handle.pid, version: live?.version ?? null }, 'worker ready');
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    const handle = this.handles.get(worker.id);
    if (!handle) return;
    this.handles.delete(worker.id);
    handle.failAll(`worker ${handle.pid} exited`);
    if (this.closing) return;
    this.restarts++;
    // A worker that dies young is likely to die again: back off so a crash loop does not spin.
    const livedMs = Date.now() - handle.startedAt;
    this.restartDelayMs = livedMs > 10_000 ? 0 : Math.min(5_000, Math.max(100, this.restartDelayMs * 2));
    this.options.logger.error({ pid: handle.pid, code, signal, restartInMs: this.restartDelayMs }, 'worker died; restarting it');
    setTimeout(() => {
      if (!this.closing) this.fork();
    }, this.restartDelayMs).unref();
  }

  private async waitForReady(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.readyHandles().length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.readyHandles().length} of ${count} workers became ready within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  apply(document: RouterConfig): Promise<ApplyResult> {
    return this.queue.run(() => this.applyNow(withVersion(document)));
  }

  applyDelta(body: unknown): Promise<ApplyResult> {
    // Parsed in the queue: a delta is checked against the config live when its turn comes.
    return this.queue.run(async () => {
      if (this.closing) throw new ConfigApplyError(503, 'router is shutting down');
      const started = performance.now();
      const config = parseDeltaOnLive(this.live, body);
      const parsed = performance.now();
      const result = await this.applyNow(config, body as ConfigDelta);
      // How long the check and the workers took: where a slow push spends its time.
      this.options.logger.debug({ version: result.version, parseMs: +(parsed - started).toFixed(1), workersMs: +(performance.now() - parsed).toFixed(1) }, 'delta live');
      return result;
    });
  }

  /** `delta`, when given, is `config`'s change from the live config: what the workers are sent. */
  private async applyNow(config: RouterConfig, delta?: ConfigDelta): Promise<ApplyResult> {
    if (this.closing) throw new ConfigApplyError(503, 'router is shutting down');
    const version = config.version as string;
    if (this.live?.version === version) return { ...this.live, changed: false };
    const targets = this.readyHandles();
    if (targets.length === 0) throw new ConfigApplyError(503, 'no traffic worker is ready');

    const outcomes = await Promise.all(targets.map((handle) => this.applyOn(handle, config, delta)));
    // A worker that died does not count once another put the config live: a config that kills
    // workers would kill them all, and is then refused as before (their replacements stay on the live one).
    const someApplied = outcomes.some((o) => o.ok);
    const failed = outcomes.filter((o) => !o.ok && !(o.gone && someApplied));
    if (failed.length === 0) {
      this.swaps++;
      this.live = { config, version, changedAt: new Date() };
      return { ...this.live, changed: true };
    }

    this.failures++;
    const first = failed[0];
    this.options.logger.warn(
      { version, failedWorkers: failed.map((f) => f.handle.pid), reason: first.reason },
      'config rejected by a worker; rolling the others back',
    );
    // A worker that did not answer is in an unknown state: replace it (it comes back with the live config).
    for (const f of failed) if (f.unanswered) f.handle.terminate();
    // After a delta, the way back is a delta too (the workers keep their compiled pieces).
    const back = delta && this.live ? diffConfigs(config, this.live.config) : undefined;
    await this.rollBack(outcomes.filter((o) => o.ok).map((o) => o.handle), back);
    throw new ConfigApplyError(first.status, `worker ${first.handle.pid}: ${first.reason}`);
  }

  /**
   * Puts `config` live in one worker by sending `delta` (its change from the worker's version), or the
   * whole config when there is no delta or the worker's copy does not fit it. Rejects if it does not answer.
   */
  private async applyChange(handle: WorkerHandle, config: RouterConfig, delta: ConfigDelta | undefined): Promise<ApplyVerdict> {
    if (delta === undefined) return handle.applyConfig(config, this.applyTimeoutMs);
    const reply = await handle.applyDelta(delta, this.applyTimeoutMs);
    if (reply.ok || reply.code !== DELTA_MISMATCH) return reply;
    // Every worker holds the primary's version, so this points at a bug; the whole config repairs it.
    this.options.logger.warn({ pid: handle.pid, version: config.version, reason: reply.reason }, 'worker could not apply the delta to its copy; sending the whole config');
    return handle.applyConfig(config, this.applyTimeoutMs);
  }

  private async applyOn(handle: WorkerHandle, config: RouterConfig, delta: ConfigDelta | undefined): Promise<ApplyOutcome> {
    try {
      const reply = await this.applyChange(handle, config, delta);
      if (reply.ok) return { handle, ok: true, unanswered: false, gone: false, status: 200, reason: '' };
      return { handle, ok: false, unanswered: false, gone: false, status: rejectionStatus(reply.code), reason: reply.reason };
    } catch (err) {
      // A worker that died (a crash, kill -9) should not fail the change and roll the others back to
      // a config their clients already left behind: its replacement takes the config that goes live.
      const gone = handle.worker.isDead();
      return { handle, ok: false, unanswered: !gone, gone, status: 503, reason: (err as Error).message };
    }
  }

  private async rollBack(handles: WorkerHandle[], delta: ConfigDelta | undefined): Promise<void> {
    const previous = this.live?.config ?? EMPTY_CONFIG;
    await Promise.all(
      handles.map(async (h) => {
        try {
          const reply = await this.applyChange(h, previous, delta);
          if (!reply.ok) throw new Error(reply.reason);
        } catch (err) {
          // It cannot return to the live config: replace it rather than serve a config nobody asked for.
          this.options.logger.error({ pid: h.pid, reason: (err as Error).message }, 'rollback failed; replacing the worker');
          h.terminate();
        }
      }),
    );
  }

  async endpointHealth(): Promise<EndpointHealth[]> {
    const replies = await Promise.allSettled(this.readyHandles().map((h) => h.health(5_000)));
    return mergeEndpointHealth(replies.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
  }

  stats(): ApplierStats {
    const handles = [...this.handles.values()];
    return {
      mode: 'workers',
      workers: this.options.workers,
      readyWorkers: this.readyHandles().length,
      workerRestarts: this.restarts,
      pids: [process.pid, ...handles.map((h) => h.pid)],
    };
  }

  async metricsText(): Promise<string> {
    const replies = await Promise.allSettled(this.readyHandles().map((h) => h.metrics(5_000)));
    const perProcess: MetricObjectWithValues<MetricValue<string>>[][] = [await this.registry.getMetricsAsJSON()];
    for (const r of replies) if (r.status === 'fulfilled') perProcess.push(r.value);
    return AggregatorRegistry.aggregate(perProcess).metrics();
  }

  async close(drainMs: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const exits = [...this.handles.values()].map(
      (h) =>
        new Promise<void>((resolve) => {
          if (h.worker.isDead()) return resolve();
          const force = setTimeout(() => h.worker.process.kill('SIGKILL'), drainMs + 5_000);
          h.worker.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          try {
            h.worker.send({ type: 'serval:drain', drainMs } satisfies DrainCommand);
          } catch {
            h.worker.process.kill('SIGKILL');
          }
        }),
    );
    await Promise.all(exits);
  }
}
