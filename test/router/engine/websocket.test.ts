/**
 * WebSocket upgrades through the router (ws package on both ends): routed like any request
 * (path rewrite, header filters), and an established connection survives config swaps.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { RouterConfig } from '../../../src/contract/router-config.schema.js';
import type { RouterEngine } from '../../../src/router/engine/router-engine.js';
import { closedPort, freePort, LOCAL, newEngine, pool, prefix, route, simple, withFilters } from './helpers.js';

let engine: RouterEngine;
let port: number;
let upstream: http.Server;
let wss: WebSocketServer;
let upstreamPort: number;

/** Upstream echoes each message prefixed with the path and a header it saw at the upgrade. */
beforeAll(async () => {
  upstream = http.createServer((_req, res) => res.end('plain'));
  wss = new WebSocketServer({ server: upstream });
  wss.on('connection', (socket, req) => {
    socket.on('message', (data) => socket.send(`${req.url}|${req.headers['x-added'] ?? ''}|${data.toString()}`));
  });
  await new Promise<void>((r) => upstream.listen(0, LOCAL, r));
  upstreamPort = (upstream.address() as AddressInfo).port;
  port = await freePort();
  ({ engine } = newEngine());
  await engine.apply(configV(0));
});

afterAll(async () => {
  await engine.close(1000);
  wss.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

function configV(version: number, extraDead?: number): RouterConfig {
  return simple(
    port,
    [
      withFilters(
        route(`ws-v${version}`, prefix('/ws'), 'up'),
        { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', value: '/socket' } } },
        { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-added', value: 'yes' }] } },
      ),
    ],
    [pool('up', upstreamPort, ...(extraDead ? [extraDead] : []))],
  );
}

function open(path: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${LOCAL}:${port}${path}`);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
  });
}

function roundTrip(ws: WebSocket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve(data.toString()));
    ws.once('close', () => reject(new Error('closed')));
    ws.send(text);
  });
}

describe('WebSocket', () => {
  it('upgrades through the router with rewrite and header filters applied', async () => {
    const ws = await open('/ws/chat');
    expect(await roundTrip(ws, 'hello')).toBe('/socket/chat|yes|hello');
    ws.close();
  });

  it('an established connection survives 50 config swaps', async () => {
    const ws = await open('/ws/live');
    const swapsBefore = engine.swapCount;
    for (let i = 1; i <= 50; i++) {
      await engine.apply(configV(i));
      if (i % 10 === 0) expect(await roundTrip(ws, `m${i}`)).toBe(`/socket/live|yes|m${i}`);
    }
    expect(engine.swapCount - swapsBefore).toBe(50);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('no route -> 404 on the upgrade', async () => {
    await expect(open('/nothing-here')).rejects.toThrow('status 404');
  });

  it('an endpoint that refuses is ejected; the next upgrade goes to a live one', async () => {
    const dead = await closedPort();
    await engine.apply(simple(port, [route('ws', prefix('/'), 'p')], [pool('p', dead, upstreamPort)]));
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      try {
        const ws = await open('/x');
        outcomes.push(await roundTrip(ws, 'ok'));
        ws.close();
      } catch (err) {
        outcomes.push((err as Error).message);
      }
    }
    // At most the first attempt can land on the dead endpoint; after that it is out of rotation.
    expect(outcomes.filter((o) => o === '/x||ok').length).toBeGreaterThanOrEqual(3);
    expect(outcomes.filter((o) => o !== '/x||ok').every((o) => o === 'status 503')).toBe(true);
    await engine.apply(configV(100));
  });
});
