/**
 * The demo backend `--demo-backend` starts for the examples: small HTTP servers on 127.0.0.1 that answer
 * every request with JSON describing it (method, path, query, headers) and which backend answered, so a
 * weighted split or a rewrite is visible with plain curl.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoBackend {
  /** name -> port actually bound. */
  ports: Map<string, number>;
  close(): Promise<void>;
}

export const DEMO_BACKENDS: readonly { name: string; port: number }[] = [
  { name: 'demo-a', port: 3000 },
  { name: 'demo-b', port: 3001 },
];

function echoServer(name: string): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    let size = 0;
    req.on('data', (c: Buffer) => (size += c.length));
    req.on('end', () => {
      const body = JSON.stringify(
        {
          backend: name,
          method: req.method,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          bodyBytes: size,
        },
        null,
        2,
      );
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-backend': name });
      res.end(`${body}\n`);
    });
  });
}

/** Starts one echo server per entry (port 0: any free port). */
export async function startDemoBackend(backends: readonly { name: string; port: number }[] = DEMO_BACKENDS, host = '127.0.0.1'): Promise<DemoBackend> {
  const servers: Server[] = [];
  const ports = new Map<string, number>();
  try {
    for (const b of backends) {
      const server = echoServer(b.name);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(b.port, host, () => resolve());
      });
      servers.push(server);
      ports.set(b.name, (server.address() as AddressInfo).port);
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    const e = err as NodeJS.ErrnoException;
    throw new Error(`demo backend: cannot listen on ${host} (${e.code ?? e.message}); is another one running?`, { cause: err });
  }
  return {
    ports,
    close: async () => {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}
