/**
 * Property: random bytes and malformed HTTP/1.1 requests over raw TCP sockets at a real router
 * listener never take the router down (an uncaught error would fail this test's process) and never
 * disturb a well-formed keep-alive connection that is in use at the same time: it keeps getting 200s
 * on the one socket it opened.
 */
import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAdminHarness, type AdminHarness } from '../router/admin/support/admin-harness.js';
import { freePort, singleRouteConfig, startUpstream, type Upstream } from '../router/admin/support/fixtures.js';
import { fuzzBudget } from '../support/fuzz.js';

let harness: AdminHarness;
let upstream: Upstream;
let listenPort: number;

// Mostly one thing wrong at a time, so that many requests get past the parser into the router's handler.
const method = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE', 'PATCH') }, fc.constantFrom('PRI', 'get', 'G ET', '', 'BREW'), fc.string({ maxLength: 10 }));
const target = fc.oneof(
  { weight: 4, arbitrary: fc.webPath() },
  fc.constantFrom('/', '*', 'http://example.test/x', '//', '/a b', '/%zz', '/\u0000', `/${'a'.repeat(10_000)}`, 'example.test:80', '/ü', '/..%2f..', '?', '#'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const version = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('HTTP/1.1', 'HTTP/1.0') }, fc.constantFrom('HTTP/2.0', 'HTTP/0.9', 'http/1.1', 'HTTP/1.12', 'HTTP/9.9', ''));
const headerName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('Host', 'Content-Length', 'Transfer-Encoding', 'Connection', 'Expect', 'Upgrade', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'X-Forwarded-For', 'Origin', 'Cookie', 'X-A') },
  fc.constantFrom(' Host', 'Host ', 'Bad Name', 'Bad:Name', ''),
  fc.string({ maxLength: 12 }),
);
const headerValue = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('1', 'text/plain', 'a=b', '*', 'example.test') },
  fc.constantFrom('example.test', '0', '-1', '5', '99999999999999999999', 'chunked', 'chunked, identity', 'gzip', 'close', 'keep-alive', 'upgrade', '100-continue', 'websocket', 'h2c', '\u0000', 'a\rb', 'x'.repeat(20_000)),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
);
const header = fc.oneof({ weight: 10, arbitrary: fc.tuple(headerName, headerValue).map(([n, v]) => `${n}: ${v}`) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) });
const body = fc.oneof({ weight: 3, arbitrary: fc.constant('') }, fc.constantFrom('', '0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n', 'zz\r\n', 'ffffffffffffffff\r\n', '5\r\nhel'), fc.string({ maxLength: 100 }));
const malformedRequest = fc
  .record({
    method,
    target,
    version,
    host: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('Host: example.test') }, fc.constantFrom('', 'Host:', 'Host: a.b.c.d.e', 'Host: [::1]', 'Host: example.test:99999', 'Host: ex ample')),
    headers: fc.array(header, { maxLength: 6 }),
    eol: fc.oneof({ weight: 6, arbitrary: fc.constant('\r\n') }, fc.constantFrom('\n', '\r')),
    body,
    times: fc.integer({ min: 1, max: 3 }),
  })
  .map((r) => {
    const lines = [`${r.method} ${r.target} ${r.version}`, ...(r.host ? [r.host] : []), ...r.headers];
    return Buffer.from(`${lines.map((l) => l + r.eol).join('')}${r.eol}${r.body}`.repeat(r.times), 'utf8');
  });
const bytes = fc.oneof({ weight: 3, arbitrary: malformedRequest }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a)) });
const input = fc.record({ bytes, pieces: fc.integer({ min: 1, max: 3 }), halfClose: fc.boolean() });

/** Writes `bytes` in `pieces` writes, optionally half-closes, and resolves when the router closes it (or after 1 s). */
function exchange(bytes: Buffer, pieces: number, halfClose: boolean): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(listenPort, '127.0.0.1');
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, 1_000);
    socket.on('error', done);
    socket.on('close', done);
    socket.on('data', () => undefined);
    socket.on('connect', () => {
      const size = Math.ceil(bytes.length / pieces) || 1;
      for (let at = 0; at < bytes.length; at += size) socket.write(bytes.subarray(at, at + size));
      if (halfClose) socket.end();
    });
  });
}

beforeAll(async () => {
  upstream = await startUpstream('up');
  listenPort = await freePort();
  harness = await startAdminHarness();
  const res = await fetch(`${harness.url}/config`, { method: 'PUT', body: JSON.stringify(singleRouteConfig(listenPort, upstream.port)), headers: { 'content-type': 'application/json' } });
  expect(res.status, await res.text()).toBe(200);
});

afterAll(async () => {
  await harness?.close();
  await upstream?.close();
});

describe('a listener under random bytes and malformed requests', () => {
  test('the router stays up and a concurrent keep-alive connection keeps getting 200s on its one socket', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<net.Socket>();
    const wellFormed = (): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: listenPort, path: '/steady', agent, headers: { host: 'example.test' } }, (res) => {
          sockets.add(res.socket);
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
      });
    try {
      await fc.assert(
        fc.asyncProperty(input, async ({ bytes: raw, pieces, halfClose }) => {
          const [steady] = await Promise.all([wellFormed(), exchange(raw, pieces, halfClose)]);
          expect(steady).toEqual({ status: 200, body: 'up' });
          expect(await wellFormed()).toEqual({ status: 200, body: 'up' });
        }),
        fuzzBudget(120, 4_000),
      );
      expect(sockets.size, 'the keep-alive connection was never dropped').toBe(1);
    } finally {
      agent.destroy();
    }
  }, 60_000);
});
