/**
 * The original design's simple admin format, kept accepted as its curl examples send it:
 *   { routes: [{name, match: {path_prefix, host}, pool, strip_prefix}], pools: [{name, upstreams}], default_pool }
 * It maps onto one HTTP listener (port 8080 by default) with one virtual host per distinct host.
 */
import type { RouteConfig, RouterConfig, SimpleConfig, VirtualHostConfig } from './router-config.schema.js';

export interface SimpleConfigDefaults {
  address: string;
  port: number;
}

function toRoute(r: SimpleConfig['routes'][number]): RouteConfig {
  const prefix = r.match.path_prefix ?? '/';
  return {
    name: r.name,
    match: { path: { type: 'PathPrefix', value: prefix } },
    // strip_prefix is a URL rewrite of the matched prefix to "/".
    ...(r.strip_prefix ? { filters: [{ type: 'URLRewrite' as const, urlRewrite: { path: { type: 'ReplacePrefixMatch' as const, value: '/' } } }] } : {}),
    backends: [{ pool: r.pool, weight: 1 }],
  };
}

export function fromSimpleConfig(simple: SimpleConfig, defaults: SimpleConfigDefaults): RouterConfig {
  const byHost = new Map<string, RouteConfig[]>();
  for (const r of simple.routes) {
    const host = r.match.host ?? '*';
    byHost.set(host, [...(byHost.get(host) ?? []), toRoute(r)]);
  }
  // The default pool catches what no route matched, on every host (lowest precedence: "/" prefix, last).
  if (simple.default_pool) {
    if (!byHost.has('*')) byHost.set('*', []);
    for (const routes of byHost.values()) {
      routes.push({ name: 'default', match: { path: { type: 'PathPrefix', value: '/' } }, backends: [{ pool: simple.default_pool, weight: 1 }] });
    }
  }
  const virtualHosts: VirtualHostConfig[] = [...byHost].map(([host, routes]) => ({ name: host, hostnames: [host], routes }));
  return {
    listeners: [{ name: 'default', address: defaults.address, port: defaults.port, protocol: 'HTTP', virtualHosts }],
    pools: simple.pools.map((p) => ({ name: p.name, endpoints: p.upstreams.map((u) => ({ host: u.host, port: u.port })) })),
  };
}
