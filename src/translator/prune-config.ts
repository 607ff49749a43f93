/**
 * Takes out of a translated config the pieces whose source objects the router would refuse: every
 * route of a rejected HTTPRoute, a listener, or a pool's endpoint. Pruned pieces are remembered per
 * original piece and set of drops, so while the same objects stay rejected each translation hands on
 * the same objects (validation, hashing and diffing skip them) instead of fresh copies.
 */
import { canonicalJson } from '../contract/config-version.js';
import type { EndpointConfig, PoolConfig, RouterConfig, VirtualHostConfig } from '../contract/router-config.schema.js';

/** A router route name the translator made: `<namespace>/<route>/rule<i>/match<j>`. */
const ROUTE_NAME = /^([^/]+)\/([^/]+)\/rule(\d+)\/match(\d+)$/;

export interface RouteOwner {
  namespace: string;
  name: string;
  /** `namespace/name` of the HTTPRoute. */
  key: string;
  rule: number;
  match: number;
}

/** The HTTPRoute a router route came from, or undefined for a name the translator does not make. */
export function routeOwner(routeName: string): RouteOwner | undefined {
  const m = ROUTE_NAME.exec(routeName);
  if (!m) return undefined;
  return { namespace: m[1]!, name: m[2]!, key: `${m[1]}/${m[2]}`, rule: Number(m[3]), match: Number(m[4]) };
}

const endpointKey = (pool: string, endpoint: EndpointConfig | undefined): string => `${pool}\n${endpoint ? canonicalJson(endpoint) : '*'}`;

/** What to leave out. Each add says whether it added anything (no progress: give up). */
export class Drops {
  /** HTTPRoutes (namespace/name) none of whose routes go out. */
  readonly routes = new Set<string>();
  readonly listeners = new Set<string>();
  /** `pool\nendpoint JSON`, or `pool\n*` for every endpoint of the pool. */
  readonly endpoints = new Set<string>();

  addRoutes(keys: readonly string[]): boolean {
    return addAll(this.routes, keys);
  }
  addListener(name: string): boolean {
    return addAll(this.listeners, [name]);
  }
  /** One endpoint of `pool`, or (undefined) all of them. */
  addEndpoint(pool: string, endpoint: EndpointConfig | undefined): boolean {
    return addAll(this.endpoints, [endpointKey(pool, endpoint)]);
  }

  get size(): number {
    return this.routes.size + this.listeners.size + this.endpoints.size;
  }

  signature(): string {
    return [...this.routes].sort().join(' ') + '|' + [...this.listeners].sort().join(' ') + '|' + [...this.endpoints].sort().join(' ');
  }
}

function addAll(set: Set<string>, keys: readonly string[]): boolean {
  const before = set.size;
  for (const key of keys) set.add(key);
  return set.size > before;
}

/** Pruned forms per original piece, valid for one drops signature (a vhost: null when nothing is left). */
const prunedHosts = new WeakMap<VirtualHostConfig, { signature: string; out: VirtualHostConfig | null }>();
const prunedLists = new WeakMap<readonly VirtualHostConfig[], { signature: string; out: VirtualHostConfig[] }>();
const prunedPools = new WeakMap<PoolConfig, { signature: string; out: PoolConfig }>();

function pruneHost(vhost: VirtualHostConfig, drops: Drops, signature: string): VirtualHostConfig | null {
  const hit = prunedHosts.get(vhost);
  if (hit?.signature === signature) return hit.out;
  const routes = vhost.routes.filter((r) => {
    const owner = routeOwner(r.name);
    return !owner || !drops.routes.has(owner.key);
  });
  const out = routes.length === vhost.routes.length ? vhost : routes.length === 0 ? null : { ...vhost, routes };
  prunedHosts.set(vhost, { signature, out });
  return out;
}

function pruneList(list: VirtualHostConfig[], drops: Drops, signature: string): VirtualHostConfig[] {
  if (drops.routes.size === 0) return list;
  const hit = prunedLists.get(list);
  if (hit?.signature === signature) return hit.out;
  const kept: VirtualHostConfig[] = [];
  let changed = false;
  for (const vhost of list) {
    const out = pruneHost(vhost, drops, signature);
    if (out !== vhost) changed = true;
    if (out) kept.push(out);
  }
  const out = changed ? kept : list;
  prunedLists.set(list, { signature, out });
  return out;
}

function prunePool(pool: PoolConfig, drops: Drops, signature: string): PoolConfig {
  const hit = prunedPools.get(pool);
  if (hit?.signature === signature) return hit.out;
  const all = drops.endpoints.has(endpointKey(pool.name, undefined));
  const endpoints = all ? [] : pool.endpoints.filter((e) => !drops.endpoints.has(endpointKey(pool.name, e)));
  const out = endpoints.length === pool.endpoints.length ? pool : { ...pool, endpoints };
  prunedPools.set(pool, { signature, out });
  return out;
}

/** `config` without what `drops` names (the config itself is left as it is). */
export function pruneConfig(config: RouterConfig, drops: Drops): RouterConfig {
  const signature = drops.signature();
  const listeners = config.listeners
    .filter((l) => !drops.listeners.has(l.name))
    .map((l) => {
      const virtualHosts = pruneList(l.virtualHosts, drops, signature);
      return virtualHosts === l.virtualHosts ? l : { ...l, virtualHosts };
    });
  const pools = drops.endpoints.size === 0 ? config.pools : config.pools.map((p) => prunePool(p, drops, signature));
  return { ...config, listeners, pools };
}
