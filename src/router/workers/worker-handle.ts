/**
 * The primary's end of one traffic worker's IPC channel: requests carry an id, the worker answers with
 * the same id, and a request that gets no answer within its time (or whose worker exits) rejects.
 */
import type { Worker } from 'node:cluster';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { ConfigDelta, RouterConfig } from '../../contract/router-config.schema.js';
import type { EndpointHealth } from './engine-port.js';
import type { PrimaryRequest, WorkerReply } from './ipc-messages.js';

type Distributive<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
type RequestBody = Distributive<PrimaryRequest, 'id'>;

export type ApplyVerdict = { ok: true } | { ok: false; reason: string; code?: string };

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class WorkerHandle {
  ready = false;
  readonly startedAt = Date.now();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(readonly worker: Worker) {}

  get pid(): number {
    return this.worker.process.pid ?? 0;
  }

  /** Puts a config live in this worker: resolves with its verdict, rejects if it does not answer. */
  applyConfig(config: RouterConfig, timeoutMs: number): Promise<ApplyVerdict> {
    return this.verdict({ type: 'serval:apply', config }, timeoutMs);
  }

  /** Applies a delta to this worker's own copy: resolves with its verdict, rejects if it does not answer. */
  applyDelta(delta: ConfigDelta, timeoutMs: number): Promise<ApplyVerdict> {
    return this.verdict({ type: 'serval:apply-delta', delta }, timeoutMs);
  }

  private async verdict(body: RequestBody, timeoutMs: number): Promise<ApplyVerdict> {
    const reply = await this.request(body, timeoutMs);
    if (reply.type !== 'serval:applied') throw new Error(`unexpected reply ${reply.type}`);
    return reply;
  }

  async health(timeoutMs: number): Promise<EndpointHealth[]> {
    const reply = await this.request({ type: 'serval:health' }, timeoutMs);
    if (reply.type !== 'serval:health') throw new Error(`unexpected reply ${reply.type}`);
    return reply.endpoints;
  }

  async metrics(timeoutMs: number): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    const reply = await this.request({ type: 'serval:metrics' }, timeoutMs);
    if (reply.type !== 'serval:metrics') throw new Error(`unexpected reply ${reply.type}`);
    return reply.metrics;
  }

  private request(body: RequestBody, timeoutMs: number): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`worker ${this.pid} did not answer ${body.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.worker.send({ ...body, id } as PrimaryRequest);
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(err as Error);
      }
    });
  }

  /**
   * Ends a worker whose state is unknown or wrong, without asking: it ignores SIGTERM (the primary
   * drains workers over IPC), and a worker that stopped answering would never act on a polite request.
   * Its exit brings a replacement that takes the live config.
   */
  terminate(): void {
    this.worker.process.kill('SIGKILL');
  }

  settle(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(reply.id);
    p.resolve(reply);
  }

  failAll(reason: string): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(reason));
    }
    this.pending.clear();
  }
}
