/**
 * TEMPORARY stand-in for src/router/engine's RouterEngine until it lands: binds each listener and
 * forwards every request to the first endpoint of the first route's first pool. Only what the admin
 * tests need; swap for the real engine.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RouterConfig } from '../../../../src/contract/router-config.schema.js';
import type { Engine, EngineFactory, RouterEngineOptions } from '../../../../src/router/workers/engine-port.js';

export const standInEngine: EngineFactory = (options) => new StandInEngine(options);

class StandInEngine implements Engine {
  private servers = new Map<string, http.Server>();
  private live: RouterConfig | undefined;
  private swaps = 0;
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(private readonly options: RouterEngineOptions) {}

  get config() {
    return this.live;
  }
  get swapCount() {
    return this.swaps;
  }

  async apply(config: RouterConfig): Promise<void> {
    const wanted = new Map(config.listeners.map((l) => [`${l.address ?? '0.0.0.0'}:${l.port}`, l]));
    const opened: string[] = [];
    try {
      for (const [key, l] of wanted) {
        if (this.servers.has(key)) continue;
        const server = http.createServer((req, res) => this.handle(key, req, res));
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(l.port, l.address ?? '0.0.0.0', () => resolve());
        });
        this.servers.set(key, server);
        opened.push(key);
      }
    } catch (err) {
      for (const key of opened) this.servers.get(key)?.close();
      for (const key of opened) this.servers.delete(key);
      throw err;
    }
    for (const [key, server] of this.servers) if (!wanted.has(key)) (server.close(), server.closeAllConnections(), this.servers.delete(key));
    this.live = config;
    this.swaps++;
  }

  private handle(key: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    const start = process.hrtime.bigint();
    const config = this.live!;
    const l = config.listeners.find((x) => `${x.address ?? '0.0.0.0'}:${x.port}` === key);
    const listener = l?.name ?? key;
    const route = l?.virtualHosts[0]?.routes.find((r) => (req.url ?? '/').startsWith(r.match.path?.value ?? '/'));
    const pool = config.pools.find((p) => p.name === route?.backends[0]?.pool);
    const done = (status: number) =>
      this.options.onRequest?.({ listener, route: route?.name ?? null, method: req.method ?? 'GET', host: req.headers.host ?? '', path: req.url ?? '/', status, durationSeconds: Number(process.hrtime.bigint() - start) / 1e9 });
    if (!route || !pool?.endpoints[0]) {
      res.statusCode = 404;
      res.end();
      return done(404);
    }
    const up = http.request({ host: pool.endpoints[0].host, port: pool.endpoints[0].port, path: req.url, method: req.method, headers: req.headers, agent: this.agent }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
      ur.on('end', () => done(ur.statusCode ?? 502));
    });
    up.on('error', () => {
      res.statusCode = 502;
      res.end();
      done(502);
    });
    req.pipe(up);
  }

  endpointHealth() {
    return (this.live?.pools ?? []).flatMap((p) => p.endpoints.map((e) => ({ pool: p.name, host: e.host, port: e.port, healthy: true, inFlight: 0 })));
  }

  boundAddresses() {
    return new Map([...this.servers].map(([key, s]) => [key, { address: (s.address() as AddressInfo).address, port: (s.address() as AddressInfo).port }]));
  }

  async close(): Promise<void> {
    for (const s of this.servers.values()) s.close();
    this.agent.destroy();
  }
}
