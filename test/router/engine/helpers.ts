/**
 * Test helpers for the router engine: real upstream servers on 127.0.0.1, a real engine, free ports,
 * a raw HTTP client (node's fetch refuses to set Host), config builders and openssl certificates.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type {
  FilterConfig,
  ListenerConfig,
  PoolConfig,
  RouteConfig,
  RouteMatchConfig,
  RouterConfig,
  VirtualHostConfig,
} from '../../../src/contract/router-config.schema.js';
import { RouterEngine, type RouterEngineOptions, type RequestObservation } from '../../../src/router/engine/router-engine.js';

export const LOCAL = '127.0.0.1';

/** A port that was free a moment ago (the schema forbids port 0, so tests pick one first). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, LOCAL, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A port with nothing listening: connections to it are refused. */
export const closedPort = freePort;

export interface EchoReply {
  name: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Upstream {
  name: string;
  port: number;
  server: http.Server;
  /** Requests seen, in order. */
  seen: EchoReply[];
  close(): Promise<void>;
}

/**
 * An upstream that answers JSON describing the request it saw. Behaviour is steered by request
 * headers: x-echo-status (status code), x-echo-delay (ms before headers), x-echo-body-delay (ms
 * between headers and body end), x-echo-set (response header "name: value").
 */
export async function startEcho(name: string, handler?: (req: http.IncomingMessage, res: http.ServerResponse, reply: EchoReply) => boolean): Promise<Upstream> {
  const seen: EchoReply[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply: EchoReply = { name, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(reply);
      if (handler?.(req, res, reply)) return;
      const status = Number(req.headers['x-echo-status'] ?? 200);
      const delay = Number(req.headers['x-echo-delay'] ?? 0);
      const bodyDelay = Number(req.headers['x-echo-body-delay'] ?? 0);
      const body = JSON.stringify(reply);
      setTimeout(() => {
        if (res.destroyed) return;
        const headers: Record<string, string> = { 'content-type': 'application/json', 'x-upstream': name };
        const set = req.headers['x-echo-set'];
        if (typeof set === 'string') {
          const [k, v] = set.split(':');
          headers[k.trim()] = v.trim();
        }
        if (bodyDelay > 0) {
          res.writeHead(status, headers);
          res.write(body.slice(0, 1));
          setTimeout(() => res.end(body.slice(1)), bodyDelay);
        } else {
          res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
          res.end(body);
        }
      }, delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, LOCAL, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    name,
    port,
    server,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
  json<T = EchoReply>(): T;
}

export interface RequestOptions {
  method?: string;
  path?: string;
  host?: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string | Buffer;
  agent?: http.Agent | false;
  timeoutMs?: number;
}

/** One HTTP/1.1 request to 127.0.0.1:port, with full control of Host and headers. */
export function request(port: number, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { host: options.host ?? 'example.com', ...options.headers };
    const req = http.request(
      { host: LOCAL, port, method: options.method ?? 'GET', path: options.path ?? '/', headers, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body, json: <T>() => JSON.parse(body) as T });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(options.timeoutMs ?? 20_000, () => req.destroy(new Error('client timeout')));
    req.end(options.body);
  });
}

/** Sends raw bytes and collects everything until the server closes (or `waitMs` passes). */
export function rawRequest(port: number, data: string, waitMs = 5_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, LOCAL, () => socket.write(data));
    let out = '';
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

export const defaultOptions: RouterEngineOptions = {
  limits: { maxHeaderSize: 16_384, maxHeaderCount: 100, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 5_000 },
  upstream: { connectTimeoutMs: 2_000, defaultTimeoutMs: 15_000, ejectionTimeMs: 30_000 },
  listenerDrainMs: 5_000,
};

export interface EngineHarness {
  engine: RouterEngine;
  observations: RequestObservation[];
}

export function newEngine(overrides: Partial<RouterEngineOptions> = {}): EngineHarness {
  const observations: RequestObservation[] = [];
  const engine = new RouterEngine({
    ...defaultOptions,
    ...overrides,
    limits: { ...defaultOptions.limits, ...overrides.limits },
    upstream: { ...defaultOptions.upstream, ...overrides.upstream },
    onRequest: (o) => observations.push(o),
  });
  return { engine, observations };
}

// ---- config builders ---------------------------------------------------------------------------

export function pool(name: string, ...ports: Array<number | { port: number; weight?: number }>): PoolConfig {
  return {
    name,
    endpoints: ports.map((p) => (typeof p === 'number' ? { host: LOCAL, port: p } : { host: LOCAL, port: p.port, ...(p.weight ? { weight: p.weight } : {}) })),
  };
}

export function route(name: string, match: RouteMatchConfig, poolName: string | undefined, extra: Partial<RouteConfig> = {}): RouteConfig {
  return { name, match, backends: [{ ...(poolName ? { pool: poolName } : {}), weight: 1 }], ...extra };
}

export function prefix(value: string, rest: Partial<RouteMatchConfig> = {}): RouteMatchConfig {
  return { path: { type: 'PathPrefix', value }, ...rest };
}

export function exact(value: string, rest: Partial<RouteMatchConfig> = {}): RouteMatchConfig {
  return { path: { type: 'Exact', value }, ...rest };
}

export function vhost(hostnames: string[], routes: RouteConfig[], name = hostnames.join(',') || 'any'): VirtualHostConfig {
  return { name, hostnames, routes };
}

export function httpListener(port: number, virtualHosts: VirtualHostConfig[], name = `http-${port}`): ListenerConfig {
  return { name, address: LOCAL, port, protocol: 'HTTP', virtualHosts };
}

export function config(listeners: ListenerConfig[], pools: PoolConfig[]): RouterConfig {
  return { listeners, pools };
}

/** The common case: one HTTP listener, one catch-all host, these routes. */
export function simple(port: number, routes: RouteConfig[], pools: PoolConfig[]): RouterConfig {
  return config([httpListener(port, [vhost(['*'], routes)])], pools);
}

export function withFilters(r: RouteConfig, ...filters: FilterConfig[]): RouteConfig {
  return { ...r, filters: [...(r.filters ?? []), ...filters] };
}

// ---- certificates ------------------------------------------------------------------------------

export interface TestCert {
  certPem: string;
  keyPem: string;
}

/** A self-signed EC certificate for `names` (first is the CN), made with the openssl CLI. */
export function selfSignedCert(names: string[]): TestCert {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'serval-cert-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${names[0]}`,
        '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
      ],
      { stdio: 'ignore' },
    );
    return { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls until `check` returns true (robust on a loaded machine; never a fixed sleep as assertion). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
