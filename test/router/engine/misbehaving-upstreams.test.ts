/**
 * Upstreams that break HTTP on purpose (raw node:net servers): a 204 with a body, headers and then
 * silence past the route timeout, a body that stalls forever. Whatever the upstream does, the client
 * gets an honest answer (502/504 while nothing was sent, a cut connection after), and the failure is
 * observed (upstreamError, hence serval_upstream_errors_total and the access log).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouterEngine, RequestObservation } from '../../../src/router/engine/router-engine.js';
import { freePort, LOCAL, newEngine, pool, prefix, rawRequest, request, route, simple, waitFor } from './helpers.js';

let engine: RouterEngine;
let observations: RequestObservation[];
let port: number;
let upstream: net.Server;
const sockets = new Set<net.Socket>();

/** What the raw upstream writes, by request path; undefined: stay silent. */
const SCRIPTS: Record<string, string | undefined> = {
  '/204-body': 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello',
  '/204-chunked': 'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  '/204-garbage': 'HTTP/1.1 204 No Content\r\n\r\nhello',
  '/204-empty': 'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n',
  '/headers-only': 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n',
  '/headers-then-stall': 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial',
  '/idle-body': 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial',
};

beforeAll(async () => {
  upstream = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    socket.on('data', (d) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const path = /^[A-Z]+ (\S+)/.exec(head)?.[1] ?? '';
      const script = SCRIPTS[path.replace(/^\/timed/, '')];
      head = '';
      if (path === '/headers-then-reset') socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', () => socket.resetAndDestroy());
      else if (path === '/trickle') trickle(socket);
      else if (script !== undefined) socket.write(script);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, LOCAL, resolve));
  const upPort = (upstream.address() as net.AddressInfo).port;
  port = await freePort();
  ({ engine, observations } = newEngine({ upstream: { connectTimeoutMs: 2000, defaultTimeoutMs: 3000, idleTimeoutMs: 800, ejectionTimeMs: 10_000 } }));
  await engine.apply(
    simple(port, [route('timed', prefix('/timed'), 'raw', { timeouts: { request: 600 } }), route('plain', prefix('/'), 'raw')], [pool('raw', upPort)]),
  );
});

afterAll(async () => {
  await engine.close(500);
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

/** A slow but live body: one byte every 300 ms, 8 in all (longer than the idle timeout altogether). */
function trickle(socket: net.Socket): void {
  socket.write('HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n');
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || ++sent > 8) return clearInterval(timer);
    socket.write('x');
  }, 300);
}

/** One request on a connection that closes after it, so rawRequest returns at once. */
const once = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;

const statusOf = (raw: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
const lastFor = (path: string): RequestObservation | undefined => observations.findLast((o) => o.path === path);

describe('an upstream that breaks framing', () => {
  it('204 with a Content-Length body -> 502, kind protocol', async () => {
    const raw = await rawRequest(port, once('/204-body'));
    expect(statusOf(raw)).toBe(502);
    await waitFor(() => lastFor('/204-body') !== undefined);
    expect(lastFor('/204-body')).toMatchObject({ status: 502, upstreamError: 'protocol' });
  });

  it('204 with a chunked body -> 502, kind protocol', async () => {
    const raw = await rawRequest(port, once('/204-chunked'));
    expect(statusOf(raw)).toBe(502);
    await waitFor(() => lastFor('/204-chunked') !== undefined);
    expect(lastFor('/204-chunked')).toMatchObject({ status: 502, upstreamError: 'protocol' });
  });

  it('204 followed by stray bytes, before anything reached the client -> 502, kind protocol', async () => {
    const raw = await rawRequest(port, once('/204-garbage'));
    expect(statusOf(raw)).toBe(502);
    await waitFor(() => lastFor('/204-garbage') !== undefined);
    expect(lastFor('/204-garbage')).toMatchObject({ status: 502, upstreamError: 'protocol' });
  });

  it('a proper 204 (Content-Length: 0) passes', async () => {
    const raw = await rawRequest(port, once('/204-empty'));
    expect(statusOf(raw)).toBe(204);
  });

  it('headers, then a reset before any body byte -> 502, kind reset', async () => {
    const raw = await rawRequest(port, once('/headers-then-reset'));
    expect(statusOf(raw)).toBe(502);
    await waitFor(() => lastFor('/headers-then-reset') !== undefined);
    expect(lastFor('/headers-then-reset')).toMatchObject({ status: 502, upstreamError: 'reset' });
  });
});

describe('an upstream that stalls', () => {
  it('headers, then silence past the route timeout: nothing was sent yet -> 504', async () => {
    const raw = await rawRequest(port, once('/timed/headers-only'));
    expect(statusOf(raw)).toBe(504);
    expect(lastFor('/timed/headers-only')).toMatchObject({ status: 504, upstreamError: 'timeout' });
  });

  it('no headers within the route timeout -> 504', async () => {
    const r = await request(port, { path: '/timed/silent' });
    expect(r.status).toBe(504);
    expect(lastFor('/timed/silent')).toMatchObject({ status: 504, upstreamError: 'timeout' });
  });

  it('headers, then a body that stalls past the route timeout: the client connection is cut, and it is observed', async () => {
    const started = Date.now();
    const raw = await rawRequest(port, once('/timed/headers-then-stall'));
    // Headers and the partial body went through, then the router closed without completing the body.
    expect(statusOf(raw)).toBe(200);
    expect(raw.endsWith('partial')).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
    await waitFor(() => lastFor('/timed/headers-then-stall') !== undefined);
    expect(lastFor('/timed/headers-then-stall')).toMatchObject({ status: 200, upstreamError: 'timeout' });
  });

  it('a body that stalls on a route without timeouts ends at the upstream idle timeout', async () => {
    const started = Date.now();
    const raw = await rawRequest(port, once('/idle-body'), 10_000);
    expect(statusOf(raw)).toBe(200);
    expect(raw.endsWith('partial')).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    await waitFor(() => lastFor('/idle-body') !== undefined);
    expect(lastFor('/idle-body')).toMatchObject({ upstreamError: 'timeout' });
  });

  it('headers, then silence on a route without timeouts -> 504 at the idle timeout', async () => {
    const raw = await rawRequest(port, once('/headers-only'), 10_000);
    expect(statusOf(raw)).toBe(504);
    expect(lastFor('/headers-only')).toMatchObject({ status: 504, upstreamError: 'timeout' });
  });

  it('a slow body that keeps moving is not cut by the idle timeout', async () => {
    const r = await request(port, { path: '/trickle' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('xxxxxxxx');
    expect(lastFor('/trickle')?.upstreamError).toBeUndefined();
  });
});
