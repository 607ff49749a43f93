/**
 * The one keep-alive http.Agent all upstream traffic shares (node pools sockets per host:port),
 * plus a connect timeout node's Agent lacks: a connection still not established after
 * connectTimeoutMs fails with ECONNTIMEOUT, which the router treats like a refused connection.
 *
 * Idle pooled sockets expire through one periodic sweep instead of node's per-socket `timeout`
 * option: that option arms a socket timer, adds and removes a 'timeout' listener and re-enrolls
 * the timer on every request (a few percent of the proxy's CPU at full load). The sweep keeps its
 * semantics: a socket idle for freeSocketTimeoutMs, or for the upstream's `Keep-Alive: timeout=N`
 * hint minus a second when that is shorter, is closed (at most SWEEP_MS early, never late).
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

export const CONNECT_TIMEOUT_CODE = 'ECONNTIMEOUT';

/** How often idle pooled sockets are checked. */
const SWEEP_MS = 250;
/** Node's agent expires a socket this long before the upstream's announced keep-alive timeout. */
const KEEP_ALIVE_HINT_BUFFER_MS = 1000;

export interface UpstreamAgentOptions {
  connectTimeoutMs: number;
  /** Upper bound of concurrent sockets per endpoint. */
  maxSocketsPerEndpoint?: number;
  /** Idle keep-alive sockets are closed after this long: below node's 5 s server default, so we close first. */
  freeSocketTimeoutMs?: number;
}

const kIdleSince = Symbol('idleSince');
const kIdleLimit = Symbol('idleLimit');

type PooledSocket = net.Socket & {
  [kIdleSince]?: number;
  [kIdleLimit]?: number;
  _httpMessage?: { res?: http.IncomingMessage | null } | null;
};

export class UpstreamAgent extends http.Agent {
  private readonly connectTimeoutMs: number;
  private readonly freeSocketTimeoutMs: number;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(options: UpstreamAgentOptions) {
    super({
      keepAlive: true,
      maxSockets: options.maxSocketsPerEndpoint ?? 1024,
      maxFreeSockets: 256,
      scheduling: 'lifo',
    });
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.freeSocketTimeoutMs = options.freeSocketTimeoutMs ?? 4_000;
  }

  // Runs once per new upstream connection, never per request on a reused socket.
  override createConnection(options: net.NetConnectOpts): Duplex {
    const socket = net.createConnection(options);
    const timer = setTimeout(failConnect, this.connectTimeoutMs, socket);
    socket.once('connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    return socket;
  }

  /**
   * Node's Agent asks this each time a socket turns idle (false: close it instead of pooling).
   * Same as node's own, minus the socket timer: the idle deadline is stamped for the sweep.
   */
  poolSocket(socket: PooledSocket): boolean {
    socket.setKeepAlive(true, (this as unknown as { keepAliveMsecs: number }).keepAliveMsecs);
    socket.unref();
    let limit = this.freeSocketTimeoutMs;
    const res = socket._httpMessage?.res;
    if (res !== undefined && res !== null) {
      const hint = keepAliveHintMs(res.rawHeaders);
      if (hint !== undefined) {
        if (hint <= 0) return false;
        if (hint < limit) limit = hint;
      }
    }
    socket[kIdleLimit] = limit;
    socket[kIdleSince] = performance.now();
    if (this.sweeper === undefined) {
      this.sweeper = setInterval(sweepIdle, SWEEP_MS, this);
      this.sweeper.unref();
    }
    return true;
  }

  /** Closes pooled sockets whose idle deadline falls before the next sweep; stops when the pool is empty. */
  sweep(): void {
    const now = performance.now() + SWEEP_MS;
    let pooled = 0;
    const free = this.freeSockets;
    for (const name in free) {
      const list = free[name];
      if (list === undefined) continue;
      // destroy() removes the socket from the list on 'close', later: iterate a copy.
      for (const socket of [...list] as PooledSocket[]) {
        if (socket.destroyed) continue;
        if (now - (socket[kIdleSince] ?? 0) >= (socket[kIdleLimit] ?? 0)) socket.destroy();
        else pooled++;
      }
    }
    if (pooled === 0) this.stopSweeper();
  }

  override destroy(): void {
    this.stopSweeper();
    super.destroy();
  }

  private stopSweeper(): void {
    if (this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}

// @types/node declares keepSocketAlive as returning void; node uses its boolean.
(UpstreamAgent.prototype as unknown as { keepSocketAlive: (socket: PooledSocket) => boolean }).keepSocketAlive = UpstreamAgent.prototype.poolSocket;

function sweepIdle(agent: UpstreamAgent): void {
  agent.sweep();
}

/**
 * The idle limit a `Keep-Alive: timeout=N` response header asks for (N s minus node's 1 s buffer;
 * 0 or less: do not reuse), or undefined without one. Reads the raw list: building res.headers for
 * this alone would cost more than the scan.
 */
export function keepAliveHintMs(raw: readonly string[]): number | undefined {
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length !== 10 || name.toLowerCase() !== 'keep-alive') continue;
    // node joins repeated Keep-Alive headers with ", " and reads the first timeout=.
    value = value === undefined ? raw[i + 1] : `${value}, ${raw[i + 1]}`;
  }
  if (value === undefined) return undefined;
  const hint = /^timeout=(\d+)/.exec(value)?.[1];
  if (hint === undefined) return undefined;
  return Number.parseInt(hint, 10) * 1000 - KEEP_ALIVE_HINT_BUFFER_MS;
}

function failConnect(socket: net.Socket): void {
  if (!socket.connecting) return;
  const err = new Error('upstream connect timeout') as NodeJS.ErrnoException;
  err.code = CONNECT_TIMEOUT_CODE;
  socket.destroy(err);
}

/** Errors that mean the request never reached the upstream: always safe to retry elsewhere. */
export function isConnectError(code: string | undefined): boolean {
  return (
    code === 'ECONNREFUSED' ||
    code === CONNECT_TIMEOUT_CODE ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    code === 'EADDRNOTAVAIL' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN'
  );
}
