/**
 * RouterConfig -> an immutable compiled table, built once per apply(): host indexes, sorted route
 * buckets, compiled regexes, header modifiers, weighted backend pickers, pools and TLS contexts.
 * Everything the per-request path needs is prepared here; nothing is compiled per request.
 * Throws ConfigValidationError (JSON path + reason) for what the schema cannot catch.
 *
 * Incremental: config documents are immutable and a delta keeps unchanged virtual hosts, pools and
 * listeners as the same objects, so a compile given the previous compiled config reuses whatever
 * it finds there by identity. A compiled virtual host is reused only while every pool it references
 * compiles to the same CompiledPool; when a listener's virtual hosts changed, its host index is the
 * previous one edited by what changed (see HostIndex.edited), or built afresh from the hostnames
 * normalized at compile time. Pools are reused only from the live config, so every reused endpoint
 * state is one the endpoint registry still holds.
 */
import type { ListenerConfig, PoolConfig, RouterConfig, VirtualHostConfig } from '../../contract/router-config.schema.js';
import { sameItems } from '../../contract/config-delta.js';
import { ConfigValidationError } from '../../contract/validate-config.js';
import { compileRoute, type CompiledRoute } from './compile-route.js';
import { HostIndex, normalizeConfiguredHost } from './host-index.js';
import { compilePool, type CompiledPool, type EndpointRegistry, type EndpointState } from './pools.js';
import { RouteIndex } from './route-match.js';
import { compileTls, type CompiledTls, type SecureContextCache } from './tls-contexts.js';

// The route half lives in compile-route.ts; its types stay importable from here.
export type { CompiledBackend, CompiledMirror, CompiledRedirect, CompiledRoute } from './compile-route.js';

export type ListenerProtocol = 'HTTP' | 'HTTPS';

/** One virtual host's route table, with the pools it was compiled against. */
export interface CompiledVirtualHost {
  readonly routes: RouteIndex<CompiledRoute>;
  /** Its hostnames as the host index keys them (normalized once, at compile time). */
  readonly hostKeys: readonly string[];
  /** Every pool its routes and mirrors name, as resolved at compile time: reusable while all still resolve the same. */
  readonly pools: ReadonlyMap<string, CompiledPool>;
}

export interface CompiledListener {
  readonly name: string;
  /** "address|port": the identity of a bound socket across configs. */
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly protocol: ListenerProtocol;
  readonly scheme: 'http' | 'https';
  readonly hosts: HostIndex<RouteIndex<CompiledRoute>>;
  readonly tls: CompiledTls | undefined;
}

export interface CompiledConfig {
  readonly source: RouterConfig;
  readonly listeners: ReadonlyMap<string, CompiledListener>;
  readonly pools: ReadonlyMap<string, CompiledPool>;
  /** Every endpoint some pool uses (the registry forgets the others). */
  readonly endpoints: ReadonlySet<EndpointState>;
  readonly routeCount: number;
  /** This config's compiled pieces by source object: what the next compile may reuse. */
  readonly pieces: CompiledPieces;
}

export interface CompiledPieces {
  readonly pools: ReadonlyMap<PoolConfig, CompiledPool>;
  readonly listeners: ReadonlyMap<ListenerConfig, ListenerPiece>;
  /** The same pieces by listener name: where a changed listener finds its unchanged virtual hosts. */
  readonly listenersByName: ReadonlyMap<string, ListenerPiece>;
  /** By the listener's `tls` object (its certificates), so a listener whose virtual hosts changed keeps its contexts. */
  readonly tls: ReadonlyMap<object, CompiledTls>;
}

interface ListenerPiece {
  readonly compiled: CompiledListener;
  /** The compiled virtual hosts its host index was built from, in document order. */
  readonly virtualHosts: readonly CompiledVirtualHost[];
  /** The virtual host documents they were compiled from, in the same order. */
  readonly sources: readonly VirtualHostConfig[];
  /** Routes over all its virtual hosts. */
  readonly routeCount: number;
}

const NO_PIECES: CompiledPieces = { pools: new Map(), listeners: new Map(), listenersByName: new Map(), tls: new Map() };

/** Pieces of the config being compiled, filled as it goes. */
interface PieceSink {
  pools: Map<PoolConfig, CompiledPool>;
  listeners: Map<ListenerConfig, ListenerPiece>;
  listenersByName: Map<string, ListenerPiece>;
  tls: Map<object, CompiledTls>;
}

export interface CompileContext {
  endpoints: EndpointRegistry;
  tls: SecureContextCache;
  /**
   * Compiled virtual hosts by source object, for the engine's lifetime (entries go with their
   * configs). A hit is used only when its pools are the ones this compile resolves, so an entry
   * from a config that never went live cannot leak stale pools or endpoint states. Absent: every
   * virtual host is compiled.
   */
  virtualHosts?: WeakMap<VirtualHostConfig, CompiledVirtualHost>;
}

export function newCompileContext(endpoints: EndpointRegistry, tls: SecureContextCache): CompileContext {
  return { endpoints, tls, virtualHosts: new WeakMap() };
}

export function listenerKey(address: string, port: number): string {
  return `${address}|${port}`;
}

/**
 * Compiles `config`; with `previous` (the live compiled config), pieces that are the same objects
 * in both are reused instead of compiled again.
 */
export function compileConfig(config: RouterConfig, ctx: CompileContext, previous?: CompiledConfig): CompiledConfig {
  const before = previous?.pieces ?? NO_PIECES;
  const pieces: PieceSink = { pools: new Map(), listeners: new Map(), listenersByName: new Map(), tls: new Map() };
  const pools = new Map<string, CompiledPool>();
  const endpoints = new Set<EndpointState>();
  config.pools.forEach((p, i) => {
    if (pools.has(p.name)) throw new ConfigValidationError(`/pools/${i}/name`, `duplicate pool "${p.name}"`);
    const pool = before.pools.get(p) ?? compilePool(p, ctx.endpoints);
    pieces.pools.set(p, pool);
    pool.endpoints.forEach((e) => endpoints.add(e));
    pools.set(p.name, pool);
  });

  // Most changes leave every pool as it was: then a cached virtual host needs no check of its pools.
  const poolsAsBefore = previous !== undefined && sameMap(previous.pools, pools);
  const listeners = new Map<string, CompiledListener>();
  let routeCount = 0;
  config.listeners.forEach((l, li) => {
    const piece = compileListener(l, `/listeners/${li}`, pools, poolsAsBefore, ctx, before, pieces);
    const compiled = piece.compiled;
    if (listeners.has(compiled.key)) {
      throw new ConfigValidationError(`/listeners/${li}/port`, `two listeners bind ${compiled.address}:${compiled.port}`);
    }
    listeners.set(compiled.key, compiled);
    routeCount += piece.routeCount;
  });
  ctx.tls.sweep();
  return { source: config, listeners, pools, endpoints, routeCount, pieces };
}

function compileListener(
  l: ListenerConfig,
  at: string,
  pools: ReadonlyMap<string, CompiledPool>,
  poolsAsBefore: boolean,
  ctx: CompileContext,
  before: CompiledPieces,
  pieces: PieceSink,
): ListenerPiece {
  // Unchanged virtual hosts are the same objects in the same relative order as in the previous
  // version of this listener: walk both lists together and reuse by identity (no lookup, no check);
  // anything else goes through the cache or gets compiled. What the walk passes over on either side
  // is what changed: the previous host index, edited by that, is this one's.
  const previous = before.listenersByName.get(l.name);
  const oldSources = previous?.sources ?? [];
  const oldCompiled = previous?.virtualHosts ?? [];
  const walk = poolsAsBefore && previous !== undefined;
  const gone: number[] = [];
  const arrived: number[] = [];
  let k = 0;
  const vhosts = l.virtualHosts.map((vhost, vi) => {
    if (walk) {
      if (oldSources[k] !== vhost && oldSources[k + 1] === vhost) gone.push(k++); // one removed here
      if (oldSources[k] === vhost) return oldCompiled[k++]!;
      arrived.push(vi);
    }
    const cached = ctx.virtualHosts?.get(vhost);
    if (cached !== undefined && (poolsAsBefore || resolvesSame(cached, pools))) return cached;
    const compiled = compileVirtualHost(vhost, `${at}/virtualHosts/${vi}`, pools);
    ctx.virtualHosts?.set(vhost, compiled);
    return compiled;
  });
  while (walk && k < oldSources.length) gone.push(k++);

  const tls = listenerTls(l, at, ctx, before, pieces);
  const cached = before.listeners.get(l);
  if (cached !== undefined && cached.compiled.tls === tls && sameItems(cached.virtualHosts, vhosts)) {
    pieces.listeners.set(l, cached);
    pieces.listenersByName.set(l.name, cached);
    return cached;
  }

  const hosts = (walk && editedHosts(previous, gone, arrived, vhosts)) || hostIndexOf(vhosts);
  const routeCount = walk
    ? previous.routeCount - gone.reduce((n, i) => n + oldSources[i]!.routes.length, 0) + arrived.reduce((n, i) => n + l.virtualHosts[i]!.routes.length, 0)
    : l.virtualHosts.reduce((n, v) => n + v.routes.length, 0);
  const address = l.address ?? '0.0.0.0';
  const compiled: CompiledListener = {
    name: l.name,
    key: listenerKey(address, l.port),
    address,
    port: l.port,
    protocol: l.protocol,
    scheme: l.protocol === 'HTTPS' ? 'https' : 'http',
    hosts,
    tls,
  };
  const piece: ListenerPiece = { compiled, virtualHosts: vhosts, sources: l.virtualHosts, routeCount };
  pieces.listeners.set(l, piece);
  pieces.listenersByName.set(l.name, piece);
  return piece;
}

function hostIndexOf(vhosts: readonly CompiledVirtualHost[]): HostIndex<RouteIndex<CompiledRoute>> {
  const hosts = new HostIndex<RouteIndex<CompiledRoute>>();
  for (const vhost of vhosts) for (const key of vhost.hostKeys) hosts.addNormalized(key, vhost.routes);
  return hosts;
}

/** The previous listener's host index with the hosts that left taken out and those that came put in (or undefined: build it afresh). */
function editedHosts(
  previous: ListenerPiece,
  gone: readonly number[],
  arrived: readonly number[],
  vhosts: readonly CompiledVirtualHost[],
): HostIndex<RouteIndex<CompiledRoute>> | undefined {
  const entry = (v: CompiledVirtualHost) => [v.hostKeys, v.routes] as const;
  return previous.compiled.hosts.edited(
    gone.map((i) => entry(previous.virtualHosts[i]!)),
    arrived.map((i) => entry(vhosts[i]!)),
  );
}

function listenerTls(l: ListenerConfig, at: string, ctx: CompileContext, before: CompiledPieces, pieces: PieceSink): CompiledTls | undefined {
  if (l.protocol !== 'HTTPS') return undefined;
  if (!l.tls) throw new ConfigValidationError(`${at}/tls`, 'HTTPS listener needs tls.certificates');
  let tls = pieces.tls.get(l.tls) ?? before.tls.get(l.tls);
  if (tls === undefined) tls = compileTls(l.tls.certificates, ctx.tls, `${at}/tls/certificates`);
  else ctx.tls.keep(tls);
  pieces.tls.set(l.tls, tls);
  return tls;
}

function sameMap<K, V>(a: ReadonlyMap<K, V>, b: ReadonlyMap<K, V>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of b) if (a.get(key) !== value) return false;
  return true;
}

/** True while every pool the compiled virtual host references compiles to the same object. */
function resolvesSame(vhost: CompiledVirtualHost, pools: ReadonlyMap<string, CompiledPool>): boolean {
  for (const [name, pool] of vhost.pools) if (pools.get(name) !== pool) return false;
  return true;
}

/** Route order is per virtual host: precedence ties are only ever broken inside one host's index. */
function compileVirtualHost(vhost: VirtualHostConfig, at: string, pools: ReadonlyMap<string, CompiledPool>): CompiledVirtualHost {
  const used = new Map<string, CompiledPool>();
  const routes = new RouteIndex<CompiledRoute>();
  routes.scope = vhost.scope;
  vhost.routes.forEach((route, ri) => routes.add(compileRoute(route, ri, `${at}/routes/${ri}`, pools, used)));
  routes.seal();
  const hostKeys = (vhost.hostnames.length === 0 ? ['*'] : vhost.hostnames).map(normalizeConfiguredHost);
  return { routes, hostKeys, pools: used };
}
