/**
 * Upstream pools: endpoints picked round robin (weighted when weights differ), with passive health.
 * Endpoint state (ejection, in-flight count) is keyed by host:port and outlives config swaps, so a
 * push does not forget that an endpoint is down; only membership is rebuilt per config.
 */
import type { PoolConfig } from '../../contract/router-config.schema.js';
import type { UpstreamAgent } from './upstream-agent.js';
import { SmoothWeighted } from './weighted.js';

/** What http-proxy needs to reach one endpoint, built once (the hot path passes it as is). */
export interface ProxyTargetOptions {
  target: { protocol: 'http:'; host: string; port: number; attempt?: number };
  agent: UpstreamAgent;
}

export class EndpointState {
  /** performance.now() until which the endpoint is out of rotation (0: healthy). */
  ejectedUntil = 0;
  inFlight = 0;
  readonly proxyOptions: ProxyTargetOptions;

  constructor(
    readonly host: string,
    readonly port: number,
    agent: UpstreamAgent,
  ) {
    this.proxyOptions = { target: { protocol: 'http:', host, port }, agent };
  }

  healthyAt(now: number): boolean {
    return this.ejectedUntil <= now;
  }
}

/** Endpoint states by "host:port", shared by every compiled config of one engine. */
export class EndpointRegistry {
  private readonly byKey = new Map<string, EndpointState>();

  constructor(private readonly agent: UpstreamAgent) {}

  get(host: string, port: number): EndpointState {
    const key = `${host}:${port}`;
    let state = this.byKey.get(key);
    if (state === undefined) {
      state = new EndpointState(host, port, this.agent);
      this.byKey.set(key, state);
    }
    return state;
  }

  /** Forgets endpoints no pool of the live config uses (in-flight requests keep their reference). */
  retainOnly(live: ReadonlySet<EndpointState>): void {
    for (const [key, state] of this.byKey) if (!live.has(state)) this.byKey.delete(key);
  }
}

export class CompiledPool {
  private cursor = 0;
  private readonly weighted: SmoothWeighted<EndpointState> | undefined;

  constructor(
    readonly name: string,
    readonly endpoints: readonly EndpointState[],
    weights: readonly number[],
  ) {
    const uniform = weights.every((w) => w === weights[0]);
    this.weighted = uniform ? undefined : new SmoothWeighted(endpoints, weights);
  }

  /** Next healthy endpoint, or undefined when the pool is empty or every endpoint is ejected. */
  pick(now: number): EndpointState | undefined {
    const n = this.endpoints.length;
    if (n === 0) return undefined;
    if (this.weighted === undefined) {
      for (let tries = 0; tries < n; tries++) {
        const e = this.endpoints[this.cursor];
        this.cursor = this.cursor + 1 === n ? 0 : this.cursor + 1;
        if (e.ejectedUntil <= now) return e;
      }
      return undefined;
    }
    // Weighted: a full cycle visits every endpoint with weight > 0; skip ejected ones.
    for (let tries = 0; tries < n; tries++) {
      const e = this.weighted.pick();
      if (e !== undefined && e.ejectedUntil <= now) return e;
    }
    for (let i = 0; i < n; i++) if (this.endpoints[i].ejectedUntil <= now) return this.endpoints[i];
    return undefined;
  }
}

export function compilePool(config: PoolConfig, registry: EndpointRegistry): CompiledPool {
  const endpoints = config.endpoints.map((e) => registry.get(e.host, e.port));
  return new CompiledPool(config.name, endpoints, config.endpoints.map((e) => e.weight ?? 1));
}
