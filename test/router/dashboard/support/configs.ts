/** Router configs the dashboard tests push: a shop with one route, then the same shop with a canary API route. */
import type { RouterConfig } from '../../../../src/contract/router-config.schema.js';

export function shopConfig(listenPort: number, webPort: number): RouterConfig {
  return {
    listeners: [
      {
        name: 'web',
        address: '127.0.0.1',
        port: listenPort,
        protocol: 'HTTP',
        virtualHosts: [
          {
            name: 'shop',
            hostnames: ['shop.example'],
            routes: [{ name: 'shop/storefront/0/0', match: { path: { type: 'PathPrefix', value: '/' } }, backends: [{ pool: 'storefront', weight: 1 }] }],
          },
        ],
      },
    ],
    pools: [{ name: 'storefront', endpoints: [{ host: '127.0.0.1', port: webPort }] }],
  };
}

/** The shop plus /api split 90/10 between two pools with a prefix rewrite; `deadPort` has nothing listening. */
export function shopWithApiConfig(listenPort: number, webPort: number, apiPort: number, deadPort: number): RouterConfig {
  const base = shopConfig(listenPort, webPort);
  base.listeners[0].virtualHosts[0].routes.unshift({
    name: 'shop/api/0/0',
    match: { path: { type: 'PathPrefix', value: '/api' } },
    filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', value: '/v2' } } }],
    backends: [
      { pool: 'api-v1', weight: 90 },
      { pool: 'api-v2', weight: 10 },
    ],
  });
  base.listeners[0].virtualHosts[0].routes.push({
    name: 'shop/legacy/0/0',
    match: { path: { type: 'PathPrefix', value: '/legacy' } },
    backends: [{ pool: 'legacy', weight: 1 }],
  });
  base.pools.push(
    { name: 'api-v1', endpoints: [{ host: '127.0.0.1', port: apiPort }] },
    { name: 'api-v2', endpoints: [{ host: '127.0.0.1', port: apiPort }] },
    { name: 'legacy', endpoints: [{ host: '127.0.0.1', port: deadPort }] },
  );
  return base;
}
