/**
 * Request hardening, probed with raw sockets: smuggling attempts (CL+TE, two Content-Lengths,
 * odd Transfer-Encodings) get 400/501 and never reach the upstream; header size and count limits
 * answer 431; a slowloris client is cut off; WebSockets are exempt from those client timeouts.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { RouterEngine } from '../../../src/router/engine/router-engine.js';
import { freePort, LOCAL, newEngine, pool, prefix, rawRequest, request, route, simple, startEcho, type Upstream } from './helpers.js';

let engine: RouterEngine;
let port: number;
let up: Upstream;

beforeAll(async () => {
  up = await startEcho('up', (req, res) => {
    // Upgrade requests are handled by the ws server below; plain ones echo.
    void req;
    void res;
    return false;
  });
  const wss = new WebSocketServer({ server: up.server });
  wss.on('connection', (s) => s.on('message', (d) => s.send(d.toString())));
  port = await freePort();
  ({ engine } = newEngine({
    limits: { maxHeaderSize: 4096, maxHeaderCount: 20, headersTimeoutMs: 600, requestTimeoutMs: 1200, idleTimeoutMs: 600 },
  }));
  await engine.apply(simple(port, [route('r', prefix('/'), 'up')], [pool('up', up.port)]));
});

afterAll(async () => {
  await engine.close(1000);
  await up.close();
});

const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);

describe('request smuggling', () => {
  it('Content-Length with Transfer-Encoding -> 400, nothing forwarded', async () => {
    const before = up.seen.length;
    const raw = await rawRequest(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(statusOf(raw)).toBe(400);
    expect(raw).not.toContain('/smuggled');
    expect(up.seen.length).toBe(before);
  });

  it('two differing Content-Lengths -> 400', async () => {
    const before = up.seen.length;
    const raw = await rawRequest(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 10\r\n\r\nabcdefghij');
    expect(statusOf(raw)).toBe(400);
    expect(up.seen.length).toBe(before);
  });

  it('a Transfer-Encoding other than chunked is refused, not forwarded', async () => {
    const before = up.seen.length;
    const raw = await rawRequest(port, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n');
    expect([400, 501]).toContain(statusOf(raw));
    const raw2 = await rawRequest(port, 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n');
    expect([400, 501]).toContain(statusOf(raw2));
    expect(up.seen.length).toBe(before);
  });

  it('a well-formed chunked body is forwarded intact', async () => {
    const raw = await rawRequest(port, 'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
    expect(statusOf(raw)).toBe(200);
    expect(raw).toContain('"body":"abcde"');
  });
});

describe('Host', () => {
  it('two Host headers -> 400 (RFC 9112 3.2), nothing forwarded; also for an upgrade', async () => {
    const before = up.seen.length;
    expect(statusOf(await rawRequest(port, 'GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n'))).toBe(400);
    expect(statusOf(await rawRequest(port, 'GET / HTTP/1.1\r\nHost: a.example\r\nhost: a.example\r\n\r\n'))).toBe(400);
    const upgrade = 'GET / HTTP/1.1\r\nHost: a\r\nHOST: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    expect(statusOf(await rawRequest(port, upgrade))).toBe(400);
    expect(up.seen.length).toBe(before);
    expect(statusOf(await rawRequest(port, 'GET / HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n'))).toBe(200);
  });
});

describe('header limits', () => {
  it('a header block over maxHeaderSize -> 431', async () => {
    const raw = await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`);
    expect(statusOf(raw)).toBe(431);
  });

  it('more headers than maxHeaderCount -> 431; at the limit -> 200', async () => {
    const headers = (n: number) => Array.from({ length: n }, (_, i) => `X-H${i}: v`).join('\r\n');
    const over = await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\n${headers(25)}\r\n\r\n`);
    expect(statusOf(over)).toBe(431);
    const at = await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers(18)}\r\n\r\n`);
    expect(statusOf(at)).toBe(200);
  });

  it('garbage is answered with 400 and the socket closed', async () => {
    const raw = await rawRequest(port, 'HELLO THERE\r\n\r\n');
    expect(statusOf(raw)).toBe(400);
  });
});

describe('slow clients', () => {
  it('a client that never finishes its headers is cut off (408 or close)', async () => {
    const started = Date.now();
    const raw = await new Promise<string>((resolve) => {
      const s = net.connect(port, LOCAL, () => s.write('GET / HTTP/1.1\r\nHost: x\r\n'));
      let out = '';
      // Trickle one header line every 200 ms: never completes.
      const trickle = setInterval(() => s.writable && s.write('X-Slow: 1\r\n'), 200);
      s.on('data', (d) => (out += d));
      s.on('error', () => undefined);
      s.on('close', () => {
        clearInterval(trickle);
        resolve(out);
      });
      setTimeout(() => s.destroy(), 15_000);
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect([0, 408]).toContain(statusOf(raw));
  });

  it('an idle keep-alive connection is closed after idleTimeoutMs', async () => {
    const closedAfter = await new Promise<number>((resolve) => {
      const s = net.connect(port, LOCAL, () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      const t0 = Date.now();
      s.on('data', () => undefined);
      s.on('close', () => resolve(Date.now() - t0));
      setTimeout(() => s.destroy(), 15_000);
    });
    expect(closedAfter).toBeLessThan(15_000);
  });

  it('an open WebSocket is not subject to the client header/idle timeouts', async () => {
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const w = new WebSocket(`ws://${LOCAL}:${port}/ws`);
      w.once('open', () => resolve(w));
      w.once('error', reject);
    });
    await new Promise((r) => setTimeout(r, 2_500)); // > idle, headers and request timeouts
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.once('message', (d) => resolve(d.toString()));
      ws.once('close', () => reject(new Error('closed')));
      ws.send('still here');
    });
    expect(echoed).toBe('still here');
    ws.close();
  });

  it('normal requests still work', async () => {
    expect((await request(port, { path: '/fine' })).status).toBe(200);
  });
});
