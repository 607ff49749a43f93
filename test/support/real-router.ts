/** A real router (InProcessRouter with the real engine + its admin API) on 127.0.0.1, and small test helpers. */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { loadSettings } from '../../src/config/load-settings.js';
import type { RouterConfig } from '../../src/contract/router-config.schema.js';
import { startRouterAdmin } from '../../src/router/admin/router-admin.app.js';
import { InProcessRouter } from '../../src/router/workers/in-process-router.js';

export const TOKEN = 'test-admin-token-0123456789';

export interface RealRouter {
  url: string;
  port: number;
  router: InProcessRouter;
  app: NestFastifyApplication;
  close(): Promise<void>;
}

/** Starts a router admin API on 127.0.0.1:`port` (0: any free port). */
export async function startRealRouter(port = 0, flags: string[] = ['--admin-token', TOKEN]): Promise<RealRouter> {
  const settings = loadSettings('router', flags, {});
  const logger = pino({ level: 'silent' });
  const router = await InProcessRouter.start({ settings, logger });
  const app = await startRouterAdmin(settings, router, logger, { address: '127.0.0.1', port });
  const bound = (app.getHttpServer().address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    router,
    app,
    close: async () => {
      await app.close();
      await router.close(0);
    },
  };
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Upstream {
  port: number;
  close(): Promise<void>;
}

/** Answers `name` on every path. */
export async function startUpstream(name: string): Promise<Upstream> {
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(name);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One HTTP listener on 127.0.0.1:listenPort, a catch-all route to the upstream. */
export function routeTo(listenPort: number, upstreamPort: number, address = '127.0.0.1'): RouterConfig {
  return {
    listeners: [
      {
        name: 'web',
        address,
        port: listenPort,
        protocol: 'HTTP',
        virtualHosts: [{ name: 'any', hostnames: ['*'], routes: [{ name: 'all', match: { path: { type: 'PathPrefix', value: '/' } }, backends: [{ pool: 'up', weight: 1 }] }] }],
      },
    ],
    pools: [{ name: 'up', endpoints: [{ host: '127.0.0.1', port: upstreamPort }] }],
  };
}

export async function httpGet(port: number, path = '/', headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
  });
}

/** Polls until `check` returns a truthy value (generous timeout: the machine may be loaded). */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Fresh metrics (not the global registry), shaped like the ones the modules inject. */
export function testMetrics() {
  const registry = new Registry();
  return {
    registry,
    counter: <L extends string>(name: string, labelNames: L[] = []) => new Counter<L>({ name, help: name, labelNames, registers: [registry] }),
    gauge: <L extends string>(name: string, labelNames: L[] = []) => new Gauge<L>({ name, help: name, labelNames, registers: [registry] }),
    histogram: (name: string) => new Histogram({ name, help: name, registers: [registry] }),
  };
}
