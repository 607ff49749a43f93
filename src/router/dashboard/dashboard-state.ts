/**
 * What GET /dashboard/state answers: the live config as the page draws it (TLS material removed),
 * every pool with its endpoints' passive health, and cumulative per-route counters read from the
 * router's own Prometheus text, so the numbers are the ones /metrics shows (summed across workers).
 * Pure functions; the controller only gathers their inputs.
 */
import type { ListenerConfig as Listener, RouterConfig } from '../../contract/router-config.schema.js';
import type { EndpointHealth } from '../workers/engine-port.js';

/** A listener without certificates: only the SNI names each certificate serves. */
export type DashboardListener = Omit<Listener, 'tls'> & { tls?: { certificates: { hostnames: string[] }[] } };

export interface DashboardEndpoint {
  host: string;
  port: number;
  healthy: boolean;
  /** Epoch ms until which the endpoint is out of rotation (only when ejected). */
  ejectedUntil?: number;
  inFlight: number;
}

export interface DashboardPool {
  name: string;
  endpoints: DashboardEndpoint[];
}

export interface RouteStats {
  /** Requests answered since the route appeared (or the router started). */
  requests: number;
  /** Of those, answered with a 5xx status. */
  errors: number;
}

export interface DashboardState {
  /** Server time of this snapshot (epoch ms): the page turns counter deltas into rates with it. */
  at: number;
  version: string | null;
  changedAt: string | null;
  swaps: number;
  listeners: DashboardListener[];
  pools: DashboardPool[];
  /** By route name; the key "" counts requests that matched no route (404). */
  routeStats: Record<string, RouteStats>;
}

export interface DashboardInputs {
  at: number;
  live: { config: RouterConfig; version: string; changedAt: Date } | undefined;
  swaps: number;
  health: EndpointHealth[];
  metricsText: string;
}

export function dashboardState(inputs: DashboardInputs): DashboardState {
  const { live } = inputs;
  return {
    at: inputs.at,
    version: live?.version ?? null,
    changedAt: live ? live.changedAt.toISOString() : null,
    swaps: inputs.swaps,
    listeners: live ? live.config.listeners.map(withoutTlsMaterial) : [],
    pools: live ? poolHealth(live.config, inputs.health) : [],
    routeStats: routeStatsFromMetrics(inputs.metricsText),
  };
}

/** Drops certificates and keys: the page needs to know a listener terminates TLS for which names, nothing more. */
export function withoutTlsMaterial(listener: Listener): DashboardListener {
  const { tls, ...rest } = listener;
  if (!tls) return rest;
  return { ...rest, tls: { certificates: tls.certificates.map((c) => ({ hostnames: c.hostnames ?? [] })) } };
}

/** Every pool of the config in config order; endpoints the engine has not reported yet count as healthy and idle. */
export function poolHealth(config: RouterConfig, health: EndpointHealth[]): DashboardPool[] {
  const byKey = new Map(health.map((h) => [`${h.pool}\u0000${h.host}\u0000${h.port}`, h]));
  return config.pools.map((pool) => ({
    name: pool.name,
    endpoints: pool.endpoints.map((e) => {
      const h = byKey.get(`${pool.name}\u0000${e.host}\u0000${e.port}`);
      return {
        host: e.host,
        port: e.port,
        healthy: h?.healthy ?? true,
        ...(h?.ejectedUntil !== undefined ? { ejectedUntil: h.ejectedUntil } : {}),
        inFlight: h?.inFlight ?? 0,
      };
    }),
  }));
}

const REQUESTS_SAMPLE = /^serval_requests_total\{([^\n]*)\} (\S+)/gm;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Label values in the exposition format escape backslash, double quote and newline. */
function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function labels(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(LABEL)) out.set(m[1], unescapeLabel(m[2]));
  return out;
}

/** serval_requests_total{route,status} summed per route; errors are the 5xx share. */
export function routeStatsFromMetrics(metricsText: string): Record<string, RouteStats> {
  const stats: Record<string, RouteStats> = {};
  for (const m of metricsText.matchAll(REQUESTS_SAMPLE)) {
    const l = labels(m[1]);
    const route = l.get('route');
    const value = Number(m[2]);
    if (route === undefined || !Number.isFinite(value)) continue;
    const s = (stats[route] ??= { requests: 0, errors: 0 });
    s.requests += value;
    if ((l.get('status') ?? '').startsWith('5')) s.errors += value;
  }
  return stats;
}
