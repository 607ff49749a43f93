/**
 * What the admin API shows of a config: secrets replaced by a fingerprint, and a flat route list
 * (one row per route, the way an operator reads it).
 */
import { createHash } from 'node:crypto';
import type { RouteMatchConfig, RouterConfig } from '../../contract/router-config.schema.js';

/** A private key shown as the hash of itself: enough to tell two keys apart, useless to an attacker. */
export function redactSecret(secret: string): string {
  return `<redacted sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}>`;
}

/** The config with every TLS private key redacted (the input is not modified). */
export function redactConfig(config: RouterConfig): RouterConfig {
  return {
    ...config,
    listeners: config.listeners.map((l) =>
      l.tls ? { ...l, tls: { ...l.tls, certificates: l.tls.certificates.map((c) => ({ ...c, keyPem: redactSecret(c.keyPem) })) } } : l,
    ),
  };
}

export interface RouteRow {
  listener: string;
  /** address:port the listener binds. */
  bind: string;
  /** The virtual host's names (`*` or empty: every host). */
  hosts: string[];
  route: string;
  match: RouteMatchConfig;
  backends: { pool: string | null; weight: number; endpoints: string[] }[];
}

export function listRoutes(config: RouterConfig): RouteRow[] {
  const endpointsByPool = new Map(config.pools.map((p) => [p.name, p.endpoints.map((e) => `${e.host}:${e.port}`)]));
  const rows: RouteRow[] = [];
  for (const l of config.listeners) {
    const bind = `${l.address ?? '0.0.0.0'}:${l.port}`;
    for (const v of l.virtualHosts) {
      for (const r of v.routes) {
        rows.push({
          listener: l.name,
          bind,
          hosts: v.hostnames,
          route: r.name,
          match: r.match,
          backends: r.backends.map((b) => ({ pool: b.pool ?? null, weight: b.weight, endpoints: b.pool ? (endpointsByPool.get(b.pool) ?? []) : [] })),
        });
      }
    }
  }
  return rows;
}
