/**
 * Timeouts and retries against a real upstream that delays or fails on demand: timeouts.request
 * (whole exchange, retries included) and timeouts.backendRequest (one attempt) answer 504, the
 * default upstream timeout applies when a route sets none, and retry.codes replays on another try.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouterEngine, RequestObservation } from '../../../src/router/engine/router-engine.js';
import { freePort, newEngine, pool, prefix, request, route, simple, startEcho, type Upstream } from './helpers.js';

let engine: RouterEngine;
let observations: RequestObservation[];
let port: number;
let up: Upstream;
/** Per-key countdown of failures the flaky upstream still returns before answering 200. */
const failuresLeft = new Map<string, number>();

beforeAll(async () => {
  up = await startEcho('up', (req, res) => {
    const key = req.headers['x-flaky'];
    if (typeof key !== 'string') return false;
    const left = failuresLeft.get(key) ?? 0;
    if (left > 0) {
      failuresLeft.set(key, left - 1);
      res.writeHead(503, { 'content-length': '4' });
      res.end('fail');
      return true;
    }
    return false;
  });
  port = await freePort();
  ({ engine, observations } = newEngine({ upstream: { connectTimeoutMs: 2000, defaultTimeoutMs: 1500, ejectionTimeMs: 10_000 } }));
  await engine.apply(
    simple(
      port,
      [
        route('request-timeout', prefix('/request-timeout'), 'up', { timeouts: { request: 1000 } }),
        route('backend-timeout', prefix('/backend-timeout'), 'up', { timeouts: { backendRequest: 1000, request: 8000 } }),
        route('retry', prefix('/retry'), 'up', { retry: { attempts: 2, codes: [503] } }),
        route('retry-backoff', prefix('/backoff'), 'up', { retry: { attempts: 1, codes: [503], backoff: 200 } }),
        route('retry-within-request-timeout', prefix('/budget'), 'up', { retry: { attempts: 5, codes: [503], backoff: 300 }, timeouts: { request: 1000 } }),
        route('default', prefix('/'), 'up'),
      ],
      [pool('up', up.port)],
    ),
  );
});

afterAll(async () => {
  await engine.close(1000);
  await up.close();
});

describe('timeouts', () => {
  it('timeouts.request -> 504 when the upstream is slower, 200 when it is not', async () => {
    const slow = await request(port, { path: '/request-timeout', headers: { 'x-echo-delay': '4000' } });
    expect(slow.status).toBe(504);
    expect(observations.at(-1)).toMatchObject({ route: 'request-timeout', status: 504, upstreamError: 'timeout' });
    expect((await request(port, { path: '/request-timeout' })).status).toBe(200);
  });

  it('timeouts.backendRequest -> 504', async () => {
    expect((await request(port, { path: '/backend-timeout', headers: { 'x-echo-delay': '4000' } })).status).toBe(504);
  });

  it('explicit timeouts cover the response body too: a stalled body is cut, never hung', async () => {
    await expect(request(port, { path: '/request-timeout', headers: { 'x-echo-body-delay': '4000' } })).rejects.toThrow();
    expect(observations.at(-1)!.upstreamError).toBe('timeout');
  });

  it('the default upstream timeout applies when the route sets none', async () => {
    expect((await request(port, { path: '/slow', headers: { 'x-echo-delay': '4000' } })).status).toBe(504);
  });

  it('the default timeout covers only the wait for headers (streamed bodies may take longer)', async () => {
    const r = await request(port, { path: '/long-body', headers: { 'x-echo-body-delay': '2000' } });
    expect(r.status).toBe(200);
    expect(r.json().name).toBe('up');
  });
});

describe('retries', () => {
  it('retries a listed status code until success', async () => {
    failuresLeft.set('a', 2);
    const r = await request(port, { path: '/retry', headers: { 'x-flaky': 'a' } });
    expect(r.status).toBe(200);
    expect(failuresLeft.get('a')).toBe(0);
  });

  it('gives up after retry.attempts and passes the last answer on', async () => {
    failuresLeft.set('b', 10);
    const r = await request(port, { path: '/retry', headers: { 'x-flaky': 'b' } });
    expect(r.status).toBe(503);
    expect(r.body).toBe('fail');
    expect(failuresLeft.get('b')).toBe(7); // 1 try + 2 retries
  });

  it('does not retry codes that are not listed, nor routes without retry', async () => {
    const seenBefore = up.seen.length;
    expect((await request(port, { path: '/retry', headers: { 'x-echo-status': '500' } })).status).toBe(500);
    expect((await request(port, { path: '/other', headers: { 'x-echo-status': '503' } })).status).toBe(503);
    expect(up.seen.length - seenBefore).toBe(2);
  });

  it('waits backoff ms between attempts', async () => {
    failuresLeft.set('c', 1);
    const started = Date.now();
    const r = await request(port, { path: '/backoff', headers: { 'x-flaky': 'c' } });
    expect(r.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('retries stay within timeouts.request (504 once it is spent)', async () => {
    failuresLeft.set('d', 100);
    const r = await request(port, { path: '/budget', headers: { 'x-flaky': 'd' } });
    expect(r.status).toBe(504);
    // 1 s of budget with 300 ms between tries leaves room for 4 tries at most, never the 6 retry.attempts allows.
    expect(100 - failuresLeft.get('d')!).toBeLessThanOrEqual(4);
  });

  it('POST bodies are replayed on retry', async () => {
    failuresLeft.set('e', 1);
    const r = await request(port, { method: 'POST', path: '/retry', headers: { 'x-flaky': 'e' }, body: 'replay-me' });
    expect(r.status).toBe(200);
    expect(r.json().body).toBe('replay-me');
  });
});
