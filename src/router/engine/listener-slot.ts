/**
 * One bound socket (address, port) and its node http/https server, hardened: header size and count
 * limits (431), headers/request/keep-alive timeouts (slowloris), strict parser, clientError answered
 * with 400/408/431 and the socket closed. The slot survives config swaps: apply() only replaces the
 * compiled listener it reads (and the TLS contexts SNI picks from), so its sockets are untouched.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import type { CompiledListener, ListenerProtocol } from './compile-config.js';
import { Exchange, type Forwarder, type ListenerView } from './forwarder.js';
import { reportInternalError, type InternalErrorHook } from './internal-errors.js';
import { sendLocal, sendRawLocal } from './local-response.js';
import { selectContext } from './tls-contexts.js';

export interface ListenerLimits {
  maxHeaderSize: number;
  maxHeaderCount: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
}

export class ListenerBindError extends Error {
  constructor(
    readonly listener: string,
    readonly address: string,
    readonly port: number,
    readonly code: string | undefined,
    cause: Error,
  ) {
    super(`listener "${listener}" cannot bind ${address}:${port}: ${code ?? cause.message}`, { cause });
    this.name = 'ListenerBindError';
  }
}

export class ListenerSlot implements ListenerView {
  compiled: CompiledListener;
  closing = false;
  readonly protocol: ListenerProtocol;
  readonly server: http.Server<typeof http.IncomingMessage, typeof Exchange>;
  private readonly upgraded = new Set<Duplex>();
  private drained: Promise<void> | undefined;

  constructor(compiled: CompiledListener, limits: ListenerLimits, forwarder: Forwarder, onInternalError?: InternalErrorHook) {
    this.compiled = compiled;
    this.protocol = compiled.protocol;
    const requestTimeout = limits.requestTimeoutMs;
    const options: http.ServerOptions<typeof http.IncomingMessage, typeof Exchange> = {
      ServerResponse: Exchange,
      maxHeaderSize: limits.maxHeaderSize,
      insecureHTTPParser: false,
      requestTimeout,
      // node requires headersTimeout <= requestTimeout.
      headersTimeout: requestTimeout > 0 ? Math.min(limits.headersTimeoutMs, requestTimeout) : limits.headersTimeoutMs,
      keepAliveTimeout: limits.idleTimeoutMs,
      // How often node enforces headers/request timeouts (default 30 s is too coarse for a slowloris guard).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
      noDelay: true,
    };
    if (compiled.protocol === 'HTTPS') {
      const tlsState = compiled.tls!;
      this.server = https.createServer({
        ...options,
        cert: tlsState.defaultPem.cert,
        key: tlsState.defaultPem.key,
        SNICallback: (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => {
          const current = this.compiled.tls;
          cb(null, current === undefined ? undefined : selectContext(current, servername));
        },
      }) as unknown as http.Server<typeof http.IncomingMessage, typeof Exchange>;
      this.server.on('tlsClientError', (_err: Error, socket: Duplex) => socket.destroy());
    } else {
      this.server = http.createServer(options);
    }
    // One extra so that the router sees (and refuses) a request over the limit instead of node truncating it.
    this.server.maxHeadersCount = limits.maxHeaderCount + 1;
    // A bug or a refused upstream request must cost one request, never the process; the hook counts and logs it.
    this.server.on('request', (req: http.IncomingMessage, res: Exchange) => {
      try {
        forwarder.handleRequest(this, req, res);
      } catch (err) {
        reportInternalError(onInternalError, 'request', err);
        if (res.headersSent) res.destroy();
        else sendLocal(res, 500);
      }
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        forwarder.handleUpgrade(this, req, socket, head);
      } catch (err) {
        reportInternalError(onInternalError, 'upgrade', err);
        sendRawLocal(socket, 500);
      }
    });
    this.server.on('clientError', onClientError);
  }

  get key(): string {
    return this.compiled.key;
  }

  listen(): Promise<void> {
    const { address, port, name } = this.compiled;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        this.server.off('listening', onListening);
        reject(new ListenerBindError(name, address, port, err.code, err));
      };
      const onListening = (): void => {
        this.server.off('error', onError);
        // Accept errors (EMFILE...) after binding must not crash the process.
        this.server.on('error', () => undefined);
        resolve();
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen({ host: address, port });
    });
  }

  /** Swaps in the listener's new table (one assignment); new certificates need no rebind. */
  update(compiled: CompiledListener): void {
    const previousTls = this.compiled.tls;
    this.compiled = compiled;
    if (compiled.tls !== undefined && compiled.tls.fingerprint !== previousTls?.fingerprint) {
      (this.server as unknown as https.Server).setSecureContext(compiled.tls.defaultPem);
    }
  }

  address(): { address: string; port: number } | undefined {
    const a = this.server.address() as AddressInfo | null;
    return a === null ? undefined : { address: a.address, port: a.port };
  }

  trackUpgrade(socket: Duplex): void {
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
  }

  /**
   * Graceful close: stop accepting, close idle keep-alive sockets (and each one that turns idle),
   * let in-flight requests finish; after `boundMs` (or once only upgraded sockets remain), force.
   */
  drain(boundMs: number): Promise<void> {
    this.drained ??= this.drainOnce(boundMs);
    return this.drained;
  }

  private async drainOnce(boundMs: number): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const deadline = Date.now() + boundMs;
    let finished = false;
    void closed.then(() => (finished = true));
    while (!finished && Date.now() < deadline) {
      await delay(Math.min(25, Math.max(1, deadline - Date.now())));
      this.server.closeIdleConnections();
      if (!finished && (await this.connectionCount()) <= this.upgraded.size) break;
    }
    for (const socket of this.upgraded) socket.destroy();
    this.server.closeAllConnections();
    await closed;
  }

  private connectionCount(): Promise<number> {
    return new Promise((resolve) => this.server.getConnections((err, count) => resolve(err ? 0 : count)));
  }
}

/** Malformed or oversized requests: answer like a server would, then close (never forward them). */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const current = (socket as Duplex & { _httpMessage?: http.ServerResponse })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || (current !== undefined && current !== null && current.headersSent)) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const reason = http.STATUS_CODES[status] ?? '';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
  (socket as Socket).destroySoon?.();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
