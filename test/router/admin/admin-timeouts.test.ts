/**
 * The admin port has the client timeouts the traffic listeners have: a slowloris client that drips
 * header lines forever is cut off after --headers-timeout, instead of holding a connection open.
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startAdminHarness, type AdminHarness } from './support/admin-harness.js';
import { admin } from './support/http.js';

let h: AdminHarness;

beforeAll(async () => {
  h = await startAdminHarness(['--headers-timeout', '500']);
});

afterAll(async () => {
  await h?.close();
});

test('a client that never finishes its headers is disconnected after the headers timeout', async () => {
  const port = Number(new URL(h.url).port);
  const started = Date.now();
  const closedAfter = await new Promise<number>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'));
    // One header line every 100 ms: each byte resets an idle timer, never the headers deadline.
    let n = 0;
    const drip = setInterval(() => socket.writable && socket.write(`x-drip-${n++}: 1\r\n`), 100);
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error('the admin server kept a slowloris connection open for 8 s'));
    }, 8_000);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(drip);
      clearTimeout(giveUp);
      resolve(Date.now() - started);
    });
  });
  expect(closedAfter).toBeLessThan(4_000);
  // Ordinary requests are unaffected.
  expect((await admin(h.url, 'GET', '/healthz')).status).toBe(200);
});
