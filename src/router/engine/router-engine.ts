/**
 * The router engine: the data plane's core, with no framework inside. apply() compiles a config
 * into an immutable table (reusing the compiled pieces of the live config that the new one shares
 * by identity) and swaps it in with one assignment per listener, opening new listeners
 * first (so a port that cannot be bound rejects the whole apply and nothing changes), keeping
 * unchanged sockets, and closing removed listeners gracefully. The router process (admin API,
 * workers, metrics) wraps this class; see forwarder.ts for the per-request path.
 */
import type { RouterConfig } from '../../contract/router-config.schema.js';
import { compileConfig, newCompileContext, type CompileContext, type CompiledConfig } from './compile-config.js';
import { Forwarder, type ExchangeObservation } from './forwarder.js';
import type { InternalErrorHook, InternalErrorSite } from './internal-errors.js';
import { ListenerSlot } from './listener-slot.js';
import { EndpointRegistry } from './pools.js';
import { SecureContextCache } from './tls-contexts.js';
import { UpstreamAgent } from './upstream-agent.js';

export { ConfigValidationError } from '../../contract/validate-config.js';
export { ListenerBindError } from './listener-slot.js';

export interface RouterEngineOptions {
  limits: { maxHeaderSize: number; maxHeaderCount: number; headersTimeoutMs: number; requestTimeoutMs: number; idleTimeoutMs: number };
  /** idleTimeoutMs: longest upstream silence in a response body on routes without timeouts (0 or absent: none). */
  upstream: { connectTimeoutMs: number; defaultTimeoutMs: number; idleTimeoutMs?: number; ejectionTimeMs: number };
  /** Called once when each request finishes (metrics, access log). Must be cheap. */
  onRequest?: (o: RequestObservation) => void;
  /** Called when a catch-all on the request path caught something (a bug): count it, log it (rate-limited). */
  onInternalError?: InternalErrorHook;
  /** How long a listener removed by apply() may take to finish its in-flight requests (default 30 s). */
  listenerDrainMs?: number;
}

export type RequestObservation = ExchangeObservation;
export type { InternalErrorHook, InternalErrorSite };

export interface EndpointHealth {
  pool: string;
  host: string;
  port: number;
  healthy: boolean;
  /** Epoch milliseconds until which the endpoint is out of rotation. */
  ejectedUntil?: number;
  inFlight: number;
}

export class RouterEngine {
  private readonly agent: UpstreamAgent;
  private readonly forwarder: Forwarder;
  private readonly compileContext: CompileContext;
  private slots = new Map<string, ListenerSlot>();
  private current: CompiledConfig | undefined;
  private swaps = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: RouterEngineOptions) {
    this.agent = new UpstreamAgent({ connectTimeoutMs: options.upstream.connectTimeoutMs });
    this.forwarder = new Forwarder({
      agent: this.agent,
      defaultTimeoutMs: options.upstream.defaultTimeoutMs,
      idleTimeoutMs: options.upstream.idleTimeoutMs,
      ejectionTimeMs: options.upstream.ejectionTimeMs,
      maxHeaderCount: options.limits.maxHeaderCount,
      onRequest: options.onRequest,
      onInternalError: options.onInternalError,
    });
    this.compileContext = newCompileContext(new EndpointRegistry(this.agent), new SecureContextCache());
  }

  /**
   * Compile, then atomically swap; open new listeners, close removed ones gracefully, keep unchanged
   * sockets. Rejects (old config keeps serving, nothing half-applied) on an invalid config
   * (ConfigValidationError) or a port that cannot be bound (ListenerBindError). Calls are serialized.
   */
  apply(config: RouterConfig): Promise<void> {
    const run = this.queue.then(() => this.applyNow(config));
    this.queue = run.catch(() => undefined);
    return run;
  }

  get config(): RouterConfig | undefined {
    return this.current?.source;
  }

  get swapCount(): number {
    return this.swaps;
  }

  endpointHealth(): EndpointHealth[] {
    const out: EndpointHealth[] = [];
    if (this.current === undefined) return out;
    const now = performance.now();
    const epochOffset = Date.now() - now;
    for (const pool of this.current.pools.values()) {
      for (const e of pool.endpoints) {
        const healthy = e.healthyAt(now);
        out.push({
          pool: pool.name,
          host: e.host,
          port: e.port,
          healthy,
          ...(healthy ? {} : { ejectedUntil: Math.round(e.ejectedUntil + epochOffset) }),
          inFlight: e.inFlight,
        });
      }
    }
    return out;
  }

  /** Addresses actually bound: listener name -> {address, port}. */
  boundAddresses(): Map<string, { address: string; port: number }> {
    const out = new Map<string, { address: string; port: number }>();
    for (const slot of this.slots.values()) {
      const a = slot.address();
      if (a !== undefined) out.set(slot.compiled.name, a);
    }
    return out;
  }

  /** SIGTERM path: stop accepting, let in-flight requests finish (bounded by drainMs), close keep-alive sockets. */
  async close(drainMs: number): Promise<void> {
    this.closed = true;
    await this.queue;
    const slots = [...this.slots.values()];
    this.slots = new Map();
    await Promise.all(slots.map((s) => s.drain(drainMs)));
    this.agent.destroy();
  }

  private async applyNow(config: RouterConfig): Promise<void> {
    if (this.closed) throw new Error('router engine is closed');
    const compiled = compileConfig(config, this.compileContext, this.current);
    const next = new Map<string, ListenerSlot>();
    const opened: ListenerSlot[] = [];
    const replaced: ListenerSlot[] = [];
    try {
      for (const [key, listener] of compiled.listeners) {
        const existing = this.slots.get(key);
        if (existing !== undefined && existing.protocol === listener.protocol) {
          next.set(key, existing);
          continue;
        }
        if (existing !== undefined) continue; // protocol change: rebinds below, after every new port is held
        const slot = new ListenerSlot(listener, this.options.limits, this.forwarder, this.options.onInternalError);
        await slot.listen();
        opened.push(slot);
        next.set(key, slot);
      }
      for (const [key, listener] of compiled.listeners) {
        const existing = this.slots.get(key);
        if (existing === undefined || next.has(key)) continue;
        // HTTP <-> HTTPS on the same address:port needs a new server: release the port, then bind.
        const slot = new ListenerSlot(listener, this.options.limits, this.forwarder, this.options.onInternalError);
        void existing.drain(this.drainMs);
        await listenWithRetry(slot);
        opened.push(slot);
        replaced.push(existing);
        next.set(key, slot);
      }
    } catch (err) {
      await Promise.all(opened.map((s) => s.drain(0)));
      throw err;
    }
    // Commit: synchronous from here on, so no request sees half of it.
    for (const [key, slot] of next) slot.update(compiled.listeners.get(key)!);
    const removed = [...this.slots].filter(([key]) => !next.has(key)).map(([, slot]) => slot);
    this.slots = next;
    this.current = compiled;
    this.swaps++;
    this.compileContext.endpoints.retainOnly(compiled.endpoints);
    for (const slot of removed) if (!replaced.includes(slot)) void slot.drain(this.drainMs);
  }

  private get drainMs(): number {
    return this.options.listenerDrainMs ?? 30_000;
  }
}

/** The port a draining server just released can take a moment to be free again. */
async function listenWithRetry(slot: ListenerSlot): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await slot.listen();
    } catch (err) {
      if (attempt >= 20 || (err as { code?: string }).code !== 'EADDRINUSE') throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
