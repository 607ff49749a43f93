/**
 * The per-request path: route lookup on the listener's current table, filters, backend and endpoint
 * choice, then proxying with http-proxy (one ProxyServer, one keep-alive Agent), with timeouts,
 * retries, passive health and mirroring. Plain methods over prebuilt data: the state of one exchange
 * lives in fields of the response object (Exchange), so no closure is built per request on the
 * common path (GET, no mirror); http-proxy callbacks are bound once.
 *
 * Replay policy (retries and passive-health failover): a request is replayable when it has no body,
 * or a Content-Length body of at most REPLAY_BODY_LIMIT bytes, which is buffered before the first
 * attempt. Larger or chunked bodies stream straight through and are never retried.
 */
import http, { type IncomingMessage } from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import type { CompiledBackend, CompiledListener, CompiledMirror, CompiledRoute } from './compile-config.js';
import { decorateResponse, isPreflight, preflightHeaders } from './cors.js';
import { modifyRequestHeaders, modifyResponseHeaders } from './header-modifier.js';
import { forwardableResponseHeaders, stripRequestHopByHop } from './hop-by-hop.js';
import { hasRepeatedHost, normalizeRequestHost } from './host-index.js';
import { reportInternalError, type InternalErrorHook } from './internal-errors.js';
import { sendLocal, sendRawLocal } from './local-response.js';
import { normalizePath, redirectLocation, replacePrefixMatch, splitTarget } from './paths.js';
import type { EndpointState, ProxyTargetOptions } from './pools.js';
import { findRoute, PathKind } from './route-match.js';
import { TimeoutList, type TimeoutNode } from './timeout-list.js';
import { CONNECT_TIMEOUT_CODE, isConnectError, type UpstreamAgent } from './upstream-agent.js';
import { bodilessStatusWithBody, IdleWatch, RelayResponse } from './upstream-response.js';

/** Bodies up to this size are buffered so the request can be replayed on another endpoint. */
export const REPLAY_BODY_LIMIT = 64 * 1024;
/** Most failovers after connection failures (each one ejects an endpoint first). */
const MAX_CONNECT_RETRIES = 8;
/** A mirror whose upload falls this far behind is dropped rather than slowing anyone down. */
const MIRROR_BACKLOG_LIMIT = 1024 * 1024;

export type UpstreamErrorKind = 'connect' | 'timeout' | 'reset' | 'protocol';

export interface ExchangeObservation {
  listener: string;
  route: string | null;
  method: string;
  host: string;
  path: string;
  status: number;
  durationSeconds: number;
  upstreamError?: UpstreamErrorKind;
}

export interface ForwarderOptions {
  agent: UpstreamAgent;
  defaultTimeoutMs: number;
  /** Longest upstream silence in a response body when the route sets no timeout (0: none). */
  idleTimeoutMs?: number;
  ejectionTimeMs: number;
  maxHeaderCount: number;
  onRequest?: (o: ExchangeObservation) => void;
  onInternalError?: InternalErrorHook;
}

/** What the forwarder needs from the listener that received the request. */
export interface ListenerView {
  readonly compiled: CompiledListener;
  readonly closing: boolean;
  trackUpgrade(socket: Duplex): void;
}

const Phase = { Routing: 0, Buffering: 1, Waiting: 2, Backoff: 3, Responding: 4, Done: 5 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

/** One client request/response, with the proxying state as fields (node builds it: ServerResponse option). */
export class Exchange extends RelayResponse implements TimeoutNode {
  fw: Forwarder | undefined = undefined;
  listenerName = '';
  route: CompiledRoute | undefined = undefined;
  backend: CompiledBackend | undefined = undefined;
  host = '';
  path = '';
  startedAt = 0;
  /** performance.now() deadline of timeouts.request (0: none). */
  deadline = 0;
  phase: Phase = Phase.Routing;
  endpoint: EndpointState | undefined = undefined;
  /** Tags the target of each attempt, so late errors of an abandoned attempt are recognized. */
  attemptNo = 0;
  retriesLeft = 0;
  connectRetriesLeft = 0;
  resetRetried = false;
  replayable = false;
  body: Buffer | undefined = undefined;
  /** Backoff timers and odd-length attempt timeouts (retries near the deadline); the rest use tl*. */
  timer: NodeJS.Timeout | undefined = undefined;
  tlList: TimeoutList<TimeoutNode> | undefined = undefined;
  tlPrev: TimeoutNode | undefined = undefined;
  tlNext: TimeoutNode | undefined = undefined;
  tlDeadline = 0;
  proxyReq: http.ClientRequest | undefined = undefined;
  upstreamError: UpstreamErrorKind | undefined = undefined;
  upstreamRes: IncomingMessage | undefined = undefined;

  protected headRefused(): void {
    this.fw!.failResponse(this, 'protocol', 502);
  }
}

interface ResolvedTarget {
  route: CompiledRoute | undefined;
  host: string;
  path: string;
  query: string;
}

export class Forwarder {
  readonly proxy: httpProxy;
  /** Attempt timeouts by duration (ms): one timer per distinct configured duration, not per request. */
  private readonly timeoutLists = new Map<number, TimeoutList<Exchange>>();
  private readonly idleWatch: IdleWatch<Exchange> | undefined;

  constructor(private readonly options: ForwarderOptions) {
    // selfHandleResponse: the router writes responses itself (status retries, header filters, hop-by-hop).
    this.proxy = httpProxy.createProxyServer({ selfHandleResponse: true, xfwd: false, prependPath: false });
    this.proxy.on('proxyReq', this.onProxyReq);
    this.proxy.on('proxyRes', this.onProxyRes);
    // Every call passes its own callback; this only keeps EventEmitter3 from throwing on stray events.
    this.proxy.on('error', () => undefined);
    const idleMs = options.idleTimeoutMs ?? 0;
    this.idleWatch = idleMs > 0 ? new IdleWatch<Exchange>(idleMs, onAttemptTimeout) : undefined;
  }

  // ---- request entry ---------------------------------------------------------------------------

  handleRequest(view: ListenerView, req: IncomingMessage, ex: Exchange): void {
    ex.fw = this;
    ex.startedAt = performance.now();
    const listener = view.compiled;
    ex.listenerName = listener.name;
    // 'close' fires exactly once; on() avoids the wrapper closure once() would allocate.
    ex.on('close', onExchangeClose);
    if (view.closing) ex.shouldKeepAlive = false;

    const status = checkRequestFraming(req, this.options.maxHeaderCount);
    if (status !== 0) {
      // What follows on this connection cannot be trusted to be framed as the client meant: close it.
      ex.shouldKeepAlive = false;
      return sendLocal(ex, status);
    }

    const target = resolveTarget(listener, req);
    if (target === undefined) return sendLocal(ex, 400);
    ex.host = target.host;
    ex.path = target.path;
    const route = target.route;
    if (route === undefined) return sendLocal(ex, 404);
    ex.route = route;

    if (route.cors !== undefined) {
      const origin = req.headers.origin;
      const requested = req.headers['access-control-request-method'];
      if (origin !== undefined && isPreflight(req.method, origin, requested)) {
        ex.phase = Phase.Done;
        const headers = preflightHeaders(route.cors, origin, requested as string, req.headers['access-control-request-headers']);
        headers.push('content-length', '0');
        ex.writeHead(200, headers);
        ex.end();
        return;
      }
    }
    if (route.redirect !== undefined) {
      return sendLocal(ex, route.redirect.statusCode, ['location', this.location(listener, route, target)]);
    }
    const backend = route.backends.pick();
    if (backend === undefined || backend.pool === undefined) return sendLocal(ex, 500);
    ex.backend = backend;

    const te = req.headers['transfer-encoding'];
    const cl = req.headers['content-length'];
    this.prepareUpstreamRequest(req, listener, route, backend, target, false);

    const now = ex.startedAt;
    if (route.requestTimeoutMs !== 0) ex.deadline = now + route.requestTimeoutMs;
    ex.retriesLeft = route.retryAttempts;
    ex.connectRetriesLeft = Math.min(backend.pool.endpoints.length - 1, MAX_CONNECT_RETRIES);

    if (te === undefined && (cl === undefined || cl === '0')) {
      ex.replayable = true;
      if (route.mirrors.length !== 0) this.mirror(req, ex, route.mirrors, false);
      this.startAttempt(req, ex);
    } else if (te === undefined && Number(cl) <= REPLAY_BODY_LIMIT) {
      ex.phase = Phase.Buffering;
      this.bufferBody(req, ex);
    } else {
      ex.replayable = false;
      this.startAttempt(req, ex);
      // After startAttempt: http-proxy has piped req, so the tee's 'data' listener loses nothing.
      if (route.mirrors.length !== 0) this.mirror(req, ex, route.mirrors, true);
    }
  }

  handleUpgrade(view: ListenerView, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', destroyQuietly);
    const listener = view.compiled;
    const startedAt = performance.now();
    const status = checkRequestFraming(req, this.options.maxHeaderCount);
    if (status !== 0) return sendRawLocal(socket, status);
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || req.method !== 'GET') return sendRawLocal(socket, 400);

    const target = resolveTarget(listener, req);
    if (target === undefined) return sendRawLocal(socket, 400);
    const route = target.route;
    const observe = (status: number, upstreamError?: UpstreamErrorKind): void =>
      this.options.onRequest?.({
        listener: listener.name,
        route: route?.name ?? null,
        method: req.method ?? '',
        host: target.host,
        path: target.path,
        status,
        durationSeconds: (performance.now() - startedAt) / 1000,
        upstreamError,
      });
    if (route === undefined) return (sendRawLocal(socket, 404), observe(404));
    if (route.redirect !== undefined) {
      sendRawLocal(socket, route.redirect.statusCode, ['location', this.location(listener, route, target)]);
      return observe(route.redirect.statusCode);
    }
    const backend = route.backends.pick();
    if (backend === undefined || backend.pool === undefined) return (sendRawLocal(socket, 500), observe(500));
    const endpoint = backend.pool.pick(performance.now());
    if (endpoint === undefined) return (sendRawLocal(socket, 503), observe(503));

    this.prepareUpstreamRequest(req, listener, route, backend, target, true);
    view.trackUpgrade(socket);
    endpoint.inFlight++;
    let upstreamError: UpstreamErrorKind | undefined;
    socket.once('close', () => {
      endpoint.inFlight--;
      observe(upstreamError === undefined ? 101 : 502, upstreamError);
    });
    this.proxy.ws(req, socket, head, endpoint.proxyOptions, (err: NodeJS.ErrnoException) => {
      if (isConnectError(err.code)) {
        this.eject(endpoint);
        upstreamError = 'connect';
      } else {
        upstreamError ??= 'reset';
      }
      // Before the upgrade nothing was written to the client: answer instead of just closing.
      const s = socket as Duplex & { bytesWritten?: number };
      if (s.bytesWritten === 0) sendRawLocal(socket, upstreamError === 'connect' ? 503 : 502);
    });
  }

  // ---- request preparation ---------------------------------------------------------------------

  private location(listener: CompiledListener, route: CompiledRoute, target: ResolvedTarget): string {
    const redirect = route.redirect!;
    const path = redirect.path === undefined ? target.path : modifiedPath(redirect.path.type, redirect.path.value, route, target.path);
    return redirectLocation(redirect, { scheme: listener.scheme, host: target.host, listenerPort: listener.port }, path, target.query);
  }

  /** Rewrites req.headers / req.url in place into what the upstream receives (http-proxy copies them). */
  private prepareUpstreamRequest(
    req: IncomingMessage,
    listener: CompiledListener,
    route: CompiledRoute,
    backend: CompiledBackend,
    target: ResolvedTarget,
    upgrade: boolean,
  ): void {
    const headers = req.headers;
    const originalHost = headers.host;
    stripRequestHopByHop(headers, upgrade);
    const remote = req.socket.remoteAddress ?? '';
    const xff = headers['x-forwarded-for'];
    headers['x-forwarded-for'] = xff === undefined || xff.length === 0 ? remote : `${xff}, ${remote}`;
    headers['x-forwarded-proto'] = listener.scheme;
    if (originalHost !== undefined) headers['x-forwarded-host'] = originalHost;
    for (let i = 0; i < route.requestMods.length; i++) modifyRequestHeaders(headers, route.requestMods[i]);
    for (let i = 0; i < backend.requestMods.length; i++) modifyRequestHeaders(headers, backend.requestMods[i]);
    if (route.rewriteHost !== undefined) headers.host = route.rewriteHost;
    const path = route.rewritePath === undefined ? target.path : modifiedPath(route.rewritePath.type, route.rewritePath.value, route, target.path);
    req.url = path + target.query;
  }

  private bufferBody(req: IncomingMessage, ex: Exchange): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
    });
    req.once('end', () => {
      if (ex.phase !== Phase.Buffering) return;
      ex.body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      ex.replayable = true;
      if (ex.route!.mirrors.length !== 0) this.mirror(req, ex, ex.route!.mirrors, false);
      this.startAttempt(req, ex);
    });
  }

  // ---- attempts --------------------------------------------------------------------------------

  private startAttempt(req: IncomingMessage, ex: Exchange): void {
    const now = performance.now();
    if (ex.deadline !== 0 && now >= ex.deadline) return this.timeOut(ex);
    const endpoint = ex.backend!.pool!.pick(now);
    if (endpoint === undefined) {
      ex.phase = Phase.Done;
      return sendLocal(ex, 503);
    }
    ex.endpoint = endpoint;
    endpoint.inFlight++;
    ex.phase = Phase.Waiting;
    ex.proxyReq = undefined;
    this.armTimer(ex, now);

    let options: ProxyTargetOptions & { buffer?: Readable } = endpoint.proxyOptions;
    if (ex.attemptNo !== 0 || ex.body !== undefined) {
      const base = endpoint.proxyOptions;
      options = {
        target: ex.attemptNo === 0 ? base.target : { ...base.target, attempt: ex.attemptNo },
        agent: base.agent,
        buffer: ex.body === undefined ? undefined : Readable.from([ex.body], { objectMode: false }),
      };
    }
    try {
      this.proxy.web(req, ex, options, this.onProxyError);
    } catch (err) {
      // node refused to build the upstream request (it validates synchronously): never crash for one request.
      reportInternalError(this.options.onInternalError, 'upstream-request', err);
      clearTimer(ex);
      this.release(ex);
      ex.phase = Phase.Done;
      sendLocal(ex, 500);
    }
  }

  private armTimer(ex: Exchange, now: number): void {
    const route = ex.route!;
    let ms = route.backendTimeoutMs !== 0 ? route.backendTimeoutMs : route.requestTimeoutMs !== 0 ? Infinity : this.options.defaultTimeoutMs;
    if (ex.deadline !== 0) ms = Math.min(ms, ex.deadline - now);
    // Whole ms, rounded up: a first attempt's time left to the deadline is requestTimeoutMs minus the
    // routing time, so it lands on the configured value (at most 1 ms late) and shares its list.
    ms = Math.max(1, Math.ceil(ms));
    if (ms === route.backendTimeoutMs || ms === route.requestTimeoutMs || ms === this.options.defaultTimeoutMs) {
      let list = this.timeoutLists.get(ms);
      if (list === undefined) {
        list = new TimeoutList<Exchange>(ms, onAttemptTimeout);
        this.timeoutLists.set(ms, list);
      }
      list.add(ex, now);
    } else {
      // Any other length (a retry's remainder of timeouts.request): rare, a plain timer.
      ex.timer = setTimeout(onAttemptTimeout, ms, ex);
    }
  }

  /** Timeout of the attempt or of the whole request: 504, or a cut response when it had started. */
  timeOut(ex: Exchange): void {
    clearTimer(ex);
    if (ex.phase === Phase.Done) return;
    const responding = ex.phase === Phase.Responding;
    ex.phase = Phase.Done;
    ex.proxyReq?.destroy();
    this.release(ex);
    if (responding) this.failResponse(ex, 'timeout', 504);
    else {
      ex.upstreamError = 'timeout';
      sendLocal(ex, 504);
    }
  }

  /** The upstream failed while its response was being relayed: `status` while nothing reached the client, else a cut. */
  failResponse(ex: Exchange, kind: UpstreamErrorKind, status: number): void {
    clearTimer(ex);
    this.release(ex);
    ex.phase = Phase.Done;
    ex.upstreamError = kind;
    const res = ex.upstreamRes;
    if (res !== undefined) {
      res.unpipe(ex);
      res.destroy();
    }
    ex.proxyReq?.destroy();
    ex.pendingHead = undefined;
    // After headers went out, only a connection closed without a proper end tells the client (sendLocal does that).
    sendLocal(ex, status);
  }

  private readonly onProxyReq = (proxyReq: http.ClientRequest, _req: IncomingMessage, res: http.ServerResponse, options: httpProxy.ServerOptions): void => {
    const ex = res as Exchange;
    if (ex.phase === Phase.Waiting && attemptOf(options.target) === ex.attemptNo) ex.proxyReq = proxyReq;
  };

  private readonly onProxyError = (err: Error, req: IncomingMessage, res: http.ServerResponse | Duplex, target?: unknown): void => {
    const ex = res as Exchange;
    if (ex.phase === Phase.Done || ex.phase === Phase.Backoff || attemptOf(target) !== ex.attemptNo) return;
    const code = (err as NodeJS.ErrnoException).code;
    const endpoint = ex.endpoint;
    clearTimer(ex);
    this.release(ex);
    if (ex.destroyed || req.socket.destroyed) {
      // The client went away: nothing to answer.
      ex.phase = Phase.Done;
      ex.proxyReq?.destroy();
      return;
    }
    if (ex.phase === Phase.Responding) return this.failResponse(ex, code?.startsWith('HPE_') === true ? 'protocol' : 'reset', 502);
    if (isConnectError(code)) {
      if (endpoint !== undefined) this.eject(endpoint);
      ex.upstreamError = 'connect';
      if (ex.replayable && (ex.connectRetriesLeft > 0 || ex.retriesLeft > 0)) {
        if (ex.connectRetriesLeft > 0) ex.connectRetriesLeft--;
        else ex.retriesLeft--;
        ex.attemptNo++;
        return this.startAttempt(req, ex);
      }
      ex.phase = Phase.Done;
      return sendLocal(ex, 503);
    }
    // A keep-alive socket the upstream closed just as we reused it: the request never reached it.
    if (code === 'ECONNRESET' && ex.proxyReq?.reusedSocket === true && ex.replayable && !ex.resetRetried) {
      ex.resetRetried = true;
      ex.attemptNo++;
      return this.startAttempt(req, ex);
    }
    ex.upstreamError = code !== undefined && code.startsWith('HPE_') ? 'protocol' : 'reset';
    ex.phase = Phase.Done;
    sendLocal(ex, 502);
  };

  private readonly onProxyRes = (proxyRes: IncomingMessage, req: IncomingMessage, res: http.ServerResponse): void => {
    const ex = res as Exchange;
    if (ex.phase !== Phase.Waiting || (ex.proxyReq !== undefined && (proxyRes as IncomingMessage & { req?: unknown }).req !== ex.proxyReq)) {
      proxyRes.destroy();
      return;
    }
    const route = ex.route!;
    const status = proxyRes.statusCode ?? 502;
    if (ex.retriesLeft > 0 && ex.replayable && route.retryCodes.length !== 0 && route.retryCodes.includes(status)) {
      proxyRes.resume();
      clearTimer(ex);
      this.release(ex);
      ex.retriesLeft--;
      ex.attemptNo++;
      if (route.retryBackoffMs === 0) return this.startAttempt(req, ex);
      ex.phase = Phase.Backoff;
      const left = ex.deadline === 0 ? Infinity : ex.deadline - performance.now();
      // A backoff that outlasts timeouts.request ends the exchange at the deadline instead.
      ex.timer = left > route.retryBackoffMs ? setTimeout(onBackoffDone, route.retryBackoffMs, ex) : setTimeout(onAttemptTimeout, Math.max(1, left), ex);
      return;
    }
    if (bodilessStatusWithBody(status, proxyRes.rawHeaders)) {
      proxyRes.destroy();
      return this.failResponse(ex, 'protocol', 502);
    }
    ex.phase = Phase.Responding;
    // Explicit route timeouts cover the whole response; the default one only the wait for headers,
    // then the idle watch bounds the upstream's silence.
    if (route.backendTimeoutMs === 0 && route.requestTimeoutMs === 0) {
      clearTimer(ex);
      this.idleWatch?.watch(ex, performance.now());
    }

    const headers = forwardableResponseHeaders(proxyRes.rawHeaders);
    for (let i = 0; i < route.responseMods.length; i++) modifyResponseHeaders(headers, route.responseMods[i]);
    const backend = ex.backend!;
    for (let i = 0; i < backend.responseMods.length; i++) modifyResponseHeaders(headers, backend.responseMods[i]);
    if (route.cors !== undefined && req.headers.origin !== undefined) decorateResponse(route.cors, req.headers.origin, headers);
    ex.statusCode = status;
    ex.pendingReason = proxyRes.statusMessage;
    ex.pendingHead = headers;
    ex.upstreamRes = proxyRes;
    (proxyRes as UpstreamResponse)[kExchange] = ex;
    proxyRes.on('close', onUpstreamResponseClose);
    proxyRes.pipe(ex);
  };

  // ---- endpoint bookkeeping, mirrors, completion ---------------------------------------------

  private eject(endpoint: EndpointState): void {
    endpoint.ejectedUntil = performance.now() + this.options.ejectionTimeMs;
  }

  release(ex: Exchange): void {
    if (ex.endpoint !== undefined) {
      ex.endpoint.inFlight--;
      ex.endpoint = undefined;
    }
  }

  /** Fire and forget: the mirror's answer is discarded and its failures never reach the client. */
  private mirror(req: IncomingMessage, ex: Exchange, mirrors: readonly CompiledMirror[], streamBody: boolean): void {
    const now = performance.now();
    for (const m of mirrors) {
      if (m.percent < 100 && Math.random() * 100 >= m.percent) continue;
      const endpoint = m.pool.pick(now);
      if (endpoint === undefined) continue;
      let mreq: http.ClientRequest;
      try {
        mreq = http.request({
          host: endpoint.host,
          port: endpoint.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers },
          agent: this.options.agent,
          timeout: this.options.defaultTimeoutMs,
        });
      } catch {
        continue;
      }
      mreq.on('error', ignore);
      mreq.on('timeout', destroyThis);
      mreq.on('response', drainResponse);
      if (!streamBody) {
        mreq.end(ex.body);
        continue;
      }
      req.on('data', (chunk: Buffer) => {
        if (mreq.destroyed) return;
        if (mreq.writableLength > MIRROR_BACKLOG_LIMIT) mreq.destroy();
        else mreq.write(chunk);
      });
      req.once('end', () => mreq.end());
      req.once('close', () => {
        if (!req.complete) mreq.destroy();
      });
    }
  }

  /** Runs once per exchange, whatever ended it (response sent, client gone, timeout). */
  closeExchange(ex: Exchange): void {
    clearTimer(ex);
    if (ex.phase !== Phase.Done) {
      if (!ex.writableFinished) ex.proxyReq?.destroy();
      ex.phase = Phase.Done;
    }
    this.release(ex);
    const onRequest = this.options.onRequest;
    if (onRequest === undefined) return;
    const req = ex.req;
    onRequest({
      listener: ex.listenerName,
      route: ex.route?.name ?? null,
      method: req.method ?? '',
      host: ex.host,
      path: ex.path,
      // 499 (nginx's "client closed request") when the client left before a response started.
      status: ex.writableFinished || ex.headersSent ? ex.statusCode : 499,
      durationSeconds: (performance.now() - ex.startedAt) / 1000,
      upstreamError: ex.upstreamError,
    });
  }

  startAttemptAfterBackoff(ex: Exchange): void {
    ex.timer = undefined;
    if (ex.phase !== Phase.Backoff) return;
    this.startAttempt(ex.req, ex);
  }
}

// ---- module-level helpers: listeners and timers call these without per-request closures ---------

const kExchange = Symbol('exchange');
type UpstreamResponse = IncomingMessage & { [kExchange]?: Exchange };

/** Upstream died mid-body: cut the client response too, or it would hang. */
function onUpstreamResponseClose(this: UpstreamResponse): void {
  const ex = this[kExchange];
  if (ex === undefined || this.complete || ex.phase === Phase.Done) return;
  ex.fw!.failResponse(ex, 'reset', 502);
}

function onExchangeClose(this: Exchange): void {
  this.fw?.closeExchange(this);
}

function onAttemptTimeout(ex: Exchange): void {
  ex.timer = undefined;
  ex.fw?.timeOut(ex);
}

function onBackoffDone(ex: Exchange): void {
  ex.fw?.startAttemptAfterBackoff(ex);
}

function clearTimer(ex: Exchange): void {
  if (ex.tlList !== undefined) TimeoutList.cancel(ex);
  if (ex.timer !== undefined) {
    clearTimeout(ex.timer);
    ex.timer = undefined;
  }
}

function attemptOf(target: unknown): number {
  return (target as { attempt?: number } | undefined)?.attempt ?? 0;
}

function ignore(): void {}

function destroyThis(this: http.ClientRequest): void {
  this.destroy();
}

function destroyQuietly(this: Duplex): void {
  this.destroy();
}

function drainResponse(res: IncomingMessage): void {
  res.resume();
}

/**
 * 0 when the request may proceed, else the status to answer: too many headers (node's
 * maxHeadersCount silently drops extras, so the router counts itself), more than one Host (RFC 9112
 * 3.2: 400; node keeps the first, the upstream might read another), or a Transfer-Encoding other
 * than plain "chunked" (node forwards what it does not understand; the router re-frames bodies, so
 * any other coding would desynchronize client and upstream).
 */
function checkRequestFraming(req: IncomingMessage, maxHeaderCount: number): number {
  if (req.rawHeaders.length > maxHeaderCount * 2) return 431;
  if (hasRepeatedHost(req.rawHeaders)) return 400;
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && te.toLowerCase() !== 'chunked') return 501;
  return 0;
}

/** Host, normalized path and query of a request, and the route they select (undefined: 400). */
function resolveTarget(listener: CompiledListener, req: IncomingMessage): ResolvedTarget | undefined {
  let url = req.url ?? '';
  let rawHost = req.headers.host;
  if (url.charCodeAt(0) !== 47 /* / */) {
    // absolute-form (RFC 9112 3.2.2): its authority wins over the Host header.
    if (!/^https?:\/\//i.test(url)) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    rawHost = parsed.host;
    url = parsed.pathname + parsed.search;
  }
  const [rawPath, query] = splitTarget(url);
  const host = normalizeRequestHost(rawHost);
  const path = normalizePath(rawPath);
  return { route: findRoute(listener.hosts, host, req.method, path, query, req.headers), host, path, query };
}

function modifiedPath(type: 'ReplaceFullPath' | 'ReplacePrefixMatch', value: string, route: CompiledRoute, path: string): string {
  if (type === 'ReplaceFullPath') return value.length === 0 ? '/' : value;
  return replacePrefixMatch(path, route.pathKind === PathKind.Exact ? path : route.pathKey, value);
}

export { CONNECT_TIMEOUT_CODE };
