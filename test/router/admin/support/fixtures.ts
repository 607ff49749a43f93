/** Real upstreams, free ports and config documents for the router admin and process tests. */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { RouterConfig } from '../../../../src/contract/router-config.schema.js';

export interface Upstream {
  port: number;
  /** Requests received so far (counted on arrival, before any delay). */
  readonly received: number;
  close(): Promise<void>;
}

/** Answers `name` on every path; `/slow?ms=N` waits N ms first. */
export async function startUpstream(name: string): Promise<Upstream> {
  const sockets = new Set<net.Socket>();
  let received = 0;
  const server = http.createServer((req, res) => {
    received++;
    const url = new URL(req.url ?? '/', 'http://x');
    const send = () => {
      res.setHeader('content-type', 'text/plain');
      res.end(name);
    };
    if (url.pathname === '/slow') setTimeout(send, Number(url.searchParams.get('ms') ?? 1000));
    else send();
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get received() {
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on right now (the contract needs a real port, not 0). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One HTTP listener on 127.0.0.1:listenPort with a catch-all route named `route` to the upstream. */
export function singleRouteConfig(listenPort: number, upstreamPort: number, route = 'all'): RouterConfig {
  return {
    listeners: [
      {
        name: 'web',
        address: '127.0.0.1',
        port: listenPort,
        protocol: 'HTTP',
        virtualHosts: [{ name: 'any', hostnames: ['*'], routes: [{ name: route, match: { path: { type: 'PathPrefix', value: '/' } }, backends: [{ pool: 'up', weight: 1 }] }] }],
      },
    ],
    pools: [{ name: 'up', endpoints: [{ host: '127.0.0.1', port: upstreamPort }] }],
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
