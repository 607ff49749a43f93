/**
 * The one keep-alive http.Agent all upstream traffic shares (node pools sockets per host:port),
 * plus a connect timeout node's Agent lacks: a connection still not established after
 * connectTimeoutMs fails with ECONNTIMEOUT, which the router treats like a refused connection.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

export const CONNECT_TIMEOUT_CODE = 'ECONNTIMEOUT';

export interface UpstreamAgentOptions {
  connectTimeoutMs: number;
  /** Upper bound of concurrent sockets per endpoint. */
  maxSocketsPerEndpoint?: number;
  /** Idle keep-alive sockets are closed after this long: below node's 5 s server default, so we close first. */
  freeSocketTimeoutMs?: number;
}

export class UpstreamAgent extends http.Agent {
  private readonly connectTimeoutMs: number;

  constructor(options: UpstreamAgentOptions) {
    super({
      keepAlive: true,
      maxSockets: options.maxSocketsPerEndpoint ?? 1024,
      maxFreeSockets: 256,
      timeout: options.freeSocketTimeoutMs ?? 4_000,
      scheduling: 'lifo',
    });
    this.connectTimeoutMs = options.connectTimeoutMs;
  }

  // Runs once per new upstream connection, never per request on a reused socket.
  override createConnection(options: net.NetConnectOpts): Duplex {
    const socket = net.createConnection(options);
    const timer = setTimeout(failConnect, this.connectTimeoutMs, socket);
    socket.once('connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    return socket;
  }
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
