/**
 * The admin API's request logs, and what they must not cost the traffic that shares its process: one
 * JSON line per admin request (method, URL, status; never headers or bodies; probes not logged), and
 * no AsyncLocalStorage context per request, whose first run() switches on async hooks for the whole
 * process and slows every proxied request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { loadSettings } from '../../../src/config/load-settings.js';
import { startRouterAdmin } from '../../../src/router/admin/router-admin.app.js';
import { InProcessRouter } from '../../../src/router/workers/in-process-router.js';
import { freePort, singleRouteConfig, startUpstream, type Upstream } from './support/fixtures.js';
import { admin, AUTH, get, TOKEN } from './support/http.js';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

const run = vi.spyOn(AsyncLocalStorage.prototype, 'run');
const enterWith = vi.spyOn(AsyncLocalStorage.prototype, 'enterWith');

let upstream: Upstream;
let listenPort: number;
let router: InProcessRouter;
let close: () => Promise<void>;
let url: string;

beforeAll(async () => {
  [upstream, listenPort] = await Promise.all([startUpstream('A'), freePort()]);
  const settings = loadSettings('router', ['--admin-token', TOKEN], {});
  const logger = pino({ level: 'info' }, sink);
  router = await InProcessRouter.start({ settings, logger });
  const app = await startRouterAdmin(settings, router, logger, { address: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  close = async () => {
    await app.close();
    await router.close(1000);
  };
});

afterAll(async () => {
  await close?.();
  await upstream?.close();
  run.mockRestore();
  enterWith.mockRestore();
});

describe('admin request logs', () => {
  test('one line per request with method, URL and status only; probes are not logged; no async context is entered', async () => {
    expect((await admin(url, 'PUT', '/config', singleRouteConfig(listenPort, upstream.port), AUTH)).status).toBe(200);
    expect((await admin(url, 'GET', '/routes')).status).toBe(200);
    expect((await admin(url, 'PUT', '/config', { listeners: 'nope' }, AUTH)).status).toBe(400);
    expect((await admin(url, 'GET', '/healthz')).status).toBe(200);
    expect((await get(listenPort, '/x')).status).toBe(200);

    const requests = lines.filter((l) => l.msg === 'request completed');
    expect(requests.map((l) => [(l.req as { method: string }).method, (l.req as { url: string }).url, (l.res as { statusCode: number }).statusCode])).toEqual([
      ['PUT', '/config', 200],
      ['GET', '/routes', 200],
      ['PUT', '/config', 400],
    ]);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('nope');
    // Neither Nest, Fastify nor the logger ran a request in an AsyncLocalStorage context.
    expect(run).not.toHaveBeenCalled();
    expect(enterWith).not.toHaveBeenCalled();
  });
});
