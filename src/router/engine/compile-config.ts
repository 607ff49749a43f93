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
import type {
  BackendFilterConfig,
  FilterConfig,
  HeaderModifierConfig,
  ListenerConfig,
  PathModifierConfig,
  PoolConfig,
  RouteConfig,
  RouterConfig,
  VirtualHostConfig,
} from '../../contract/router-config.schema.js';
import { sameItems } from '../../contract/config-delta.js';
import { ConfigValidationError } from '../../contract/validate-config.js';
import { compileCors, type CompiledCors } from './cors.js';
import { compileHeaderModifier, type CompiledHeaderModifier } from './header-modifier.js';
import { HostIndex, normalizeConfiguredHost } from './host-index.js';
import type { RedirectTarget } from './paths.js';
import { compilePool, type CompiledPool, type EndpointRegistry, type EndpointState } from './pools.js';
import { compileMatch, PathKind, RouteIndex, type Matchable } from './route-match.js';
import { compileTls, type CompiledTls, type SecureContextCache } from './tls-contexts.js';
import { SmoothWeighted } from './weighted.js';

export interface CompiledBackend {
  /** Undefined: the reference could not be resolved; requests sent its way get 500. */
  readonly pool: CompiledPool | undefined;
  readonly requestMods: readonly CompiledHeaderModifier[];
  readonly responseMods: readonly CompiledHeaderModifier[];
}

export interface CompiledRedirect extends RedirectTarget {
  readonly path: PathModifierConfig | undefined;
  readonly statusCode: number;
}

export interface CompiledMirror {
  readonly pool: CompiledPool;
  /** Share of requests mirrored, 0-100. */
  readonly percent: number;
}

export interface CompiledRoute extends Matchable {
  readonly name: string;
  readonly requestMods: readonly CompiledHeaderModifier[];
  readonly responseMods: readonly CompiledHeaderModifier[];
  readonly redirect: CompiledRedirect | undefined;
  readonly rewriteHost: string | undefined;
  readonly rewritePath: PathModifierConfig | undefined;
  readonly mirrors: readonly CompiledMirror[];
  readonly cors: CompiledCors | undefined;
  /** Weighted picker over backends with weight > 0; `empty` when none (-> 500). */
  readonly backends: SmoothWeighted<CompiledBackend>;
  /** timeouts.request in ms (0: none): the whole exchange, retries included. */
  readonly requestTimeoutMs: number;
  /** timeouts.backendRequest in ms (0: none): one upstream attempt. */
  readonly backendTimeoutMs: number;
  readonly retryAttempts: number;
  readonly retryCodes: readonly number[];
  readonly retryBackoffMs: number;
}

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

function compileRoute(
  route: RouteConfig,
  order: number,
  at: string,
  pools: ReadonlyMap<string, CompiledPool>,
  used: Map<string, CompiledPool>,
): CompiledRoute {
  const match = compileRegexSafely(() => compileMatch(route.match, order), `${at}/match`);
  const requestMods: CompiledHeaderModifier[] = [];
  const responseMods: CompiledHeaderModifier[] = [];
  const mirrors: CompiledMirror[] = [];
  let redirect: CompiledRedirect | undefined;
  let rewriteHost: string | undefined;
  let rewritePath: PathModifierConfig | undefined;
  let cors: CompiledCors | undefined;

  (route.filters ?? []).forEach((f: FilterConfig, fi) => {
    const fat = `${at}/filters/${fi}`;
    switch (f.type) {
      case 'RequestHeaderModifier':
        requestMods.push(checkedModifier(f.requestHeaderModifier, `${fat}/requestHeaderModifier`));
        break;
      case 'ResponseHeaderModifier':
        responseMods.push(checkedModifier(f.responseHeaderModifier, `${fat}/responseHeaderModifier`));
        break;
      case 'RequestRedirect': {
        const r = f.requestRedirect;
        checkPathModifier(r.path, match, `${fat}/requestRedirect/path`);
        checkHostname(r.hostname, `${fat}/requestRedirect/hostname`);
        redirect = { scheme: r.scheme, hostname: r.hostname, port: r.port, path: r.path, statusCode: r.statusCode ?? 302 };
        break;
      }
      case 'URLRewrite':
        checkPathModifier(f.urlRewrite.path, match, `${fat}/urlRewrite/path`);
        checkHostname(f.urlRewrite.hostname, `${fat}/urlRewrite/hostname`);
        rewriteHost = f.urlRewrite.hostname ?? rewriteHost;
        rewritePath = f.urlRewrite.path ?? rewritePath;
        break;
      case 'RequestMirror': {
        const pool = pools.get(f.requestMirror.pool);
        if (!pool) throw new ConfigValidationError(`${fat}/requestMirror/pool`, `unknown pool "${f.requestMirror.pool}"`);
        used.set(f.requestMirror.pool, pool);
        mirrors.push({ pool, percent: f.requestMirror.percent ?? 100 });
        break;
      }
      case 'CORS':
        cors = compileCors(f.cors);
        break;
    }
  });

  const items: CompiledBackend[] = [];
  const weights: number[] = [];
  route.backends.forEach((b, bi) => {
    if (b.weight <= 0) return;
    let pool: CompiledPool | undefined;
    if (b.pool !== undefined) {
      pool = pools.get(b.pool);
      if (!pool) throw new ConfigValidationError(`${at}/backends/${bi}/pool`, `unknown pool "${b.pool}"`);
      used.set(b.pool, pool);
    }
    const { requestMods: bReq, responseMods: bRes } = backendFilters(b.filters ?? [], `${at}/backends/${bi}/filters`);
    items.push({ pool, requestMods: bReq, responseMods: bRes });
    weights.push(b.weight);
  });

  return new CompiledRouteImpl(match, route, {
    requestMods: orNone(requestMods),
    responseMods: orNone(responseMods),
    redirect,
    rewriteHost,
    rewritePath,
    mirrors: orNone(mirrors),
    cors,
    backends: new SmoothWeighted(items, weights),
  });
}

const NONE: readonly never[] = Object.freeze([]);
function orNone<T>(list: T[]): readonly T[] {
  return list.length === 0 ? NONE : list;
}

type RouteAction = Pick<CompiledRoute, 'requestMods' | 'responseMods' | 'redirect' | 'rewriteHost' | 'rewritePath' | 'mirrors' | 'cors' | 'backends'>;

/** A class with every field assigned in one place: one hidden class for all routes, fast to build (10,000 per apply). */
class CompiledRouteImpl implements CompiledRoute {
  readonly pathKind: Matchable['pathKind'];
  readonly pathKey: string;
  readonly pathLength: number;
  readonly pathRegex: RegExp | undefined;
  readonly method: string | undefined;
  readonly headers: Matchable['headers'];
  readonly query: Matchable['query'];
  readonly order: number;
  readonly name: string;
  readonly requestMods: readonly CompiledHeaderModifier[];
  readonly responseMods: readonly CompiledHeaderModifier[];
  readonly redirect: CompiledRedirect | undefined;
  readonly rewriteHost: string | undefined;
  readonly rewritePath: PathModifierConfig | undefined;
  readonly mirrors: readonly CompiledMirror[];
  readonly cors: CompiledCors | undefined;
  readonly backends: SmoothWeighted<CompiledBackend>;
  readonly requestTimeoutMs: number;
  readonly backendTimeoutMs: number;
  readonly retryAttempts: number;
  readonly retryCodes: readonly number[];
  readonly retryBackoffMs: number;

  constructor(match: Matchable, route: RouteConfig, action: RouteAction) {
    this.pathKind = match.pathKind;
    this.pathKey = match.pathKey;
    this.pathLength = match.pathLength;
    this.pathRegex = match.pathRegex;
    this.method = match.method;
    this.headers = match.headers;
    this.query = match.query;
    this.order = match.order;
    this.name = route.name;
    this.requestMods = action.requestMods;
    this.responseMods = action.responseMods;
    this.redirect = action.redirect;
    this.rewriteHost = action.rewriteHost;
    this.rewritePath = action.rewritePath;
    this.mirrors = action.mirrors;
    this.cors = action.cors;
    this.backends = action.backends;
    this.requestTimeoutMs = route.timeouts?.request ?? 0;
    this.backendTimeoutMs = route.timeouts?.backendRequest ?? 0;
    this.retryAttempts = route.retry?.attempts ?? 0;
    this.retryCodes = route.retry?.codes ?? NONE;
    this.retryBackoffMs = route.retry?.backoff ?? 0;
  }
}

function backendFilters(filters: BackendFilterConfig[], at: string): Pick<CompiledBackend, 'requestMods' | 'responseMods'> {
  if (filters.length === 0) return { requestMods: NONE, responseMods: NONE };
  const requestMods: CompiledHeaderModifier[] = [];
  const responseMods: CompiledHeaderModifier[] = [];
  filters.forEach((f, i) => {
    if (f.type === 'RequestHeaderModifier') requestMods.push(checkedModifier(f.requestHeaderModifier, `${at}/${i}/requestHeaderModifier`));
    else responseMods.push(checkedModifier(f.responseHeaderModifier, `${at}/${i}/responseHeaderModifier`));
  });
  return { requestMods, responseMods };
}

/** What node would refuse to send (it throws at request time): control characters in a header value. */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const HOSTNAME = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)$/;

function checkedModifier(config: HeaderModifierConfig, at: string): CompiledHeaderModifier {
  for (const kind of ['set', 'add'] as const) {
    config[kind]?.forEach((h, i) => {
      if (INVALID_HEADER_VALUE.test(h.value)) throw new ConfigValidationError(`${at}/${kind}/${i}/value`, 'header value contains control characters');
    });
  }
  return compileHeaderModifier(config);
}

function checkHostname(hostname: string | undefined, at: string): void {
  if (hostname !== undefined && !HOSTNAME.test(hostname)) throw new ConfigValidationError(at, `invalid hostname "${hostname}"`);
}

/** ReplacePrefixMatch needs a prefix to replace: PathPrefix (or Exact: the whole path); never a regex. */
function checkPathModifier(path: PathModifierConfig | undefined, match: Matchable, at: string): void {
  if (path?.type === 'ReplacePrefixMatch' && match.pathKind === PathKind.Regex) {
    throw new ConfigValidationError(at, 'ReplacePrefixMatch needs a PathPrefix match, not a RegularExpression');
  }
}

function compileRegexSafely<T>(build: () => T, at: string): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof SyntaxError) throw new ConfigValidationError(at, `invalid regular expression: ${err.message}`);
    throw err;
  }
}
