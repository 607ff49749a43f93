import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { keepAliveHintMs, UpstreamAgent } from '../../../src/router/engine/upstream-agent.js';

const servers: http.Server[] = [];
const agents: UpstreamAgent[] = [];

async function upstream(headers: Record<string, string> = {}): Promise<{ port: number; closed: () => number }> {
  let closed = 0;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': '2', ...headers });
    res.end('ok');
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => s.on('close', () => closed++));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { port: (server.address() as AddressInfo).port, closed: () => closed };
}

function get(agent: http.Agent, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(req.reusedSocket));
    });
    req.on('error', reject);
  });
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterEach(async () => {
  for (const a of agents.splice(0)) a.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
});

describe('UpstreamAgent idle sockets', () => {
  it('reuses a pooled socket, then closes it once idle for freeSocketTimeoutMs', async () => {
    const up = await upstream();
    const agent = new UpstreamAgent({ connectTimeoutMs: 5_000, freeSocketTimeoutMs: 400 });
    agents.push(agent);
    expect(await get(agent, up.port)).toBe(false);
    expect(await get(agent, up.port)).toBe(true);
    const pooledAt = Date.now();
    await waitFor(() => up.closed() === 1);
    // Closed by the sweep, not before the socket was idle for most of the limit.
    expect(Date.now() - pooledAt).toBeGreaterThanOrEqual(100);
    expect(Object.keys(agent.freeSockets)).toEqual([]);
  });

  it("honours the upstream's Keep-Alive timeout hint: timeout=1 leaves no time to reuse", async () => {
    const up = await upstream({ 'keep-alive': 'timeout=1' });
    const agent = new UpstreamAgent({ connectTimeoutMs: 5_000 });
    agents.push(agent);
    expect(await get(agent, up.port)).toBe(false);
    await waitFor(() => up.closed() === 1);
    expect(await get(agent, up.port)).toBe(false);
  });
});

describe('keepAliveHintMs', () => {
  it('reads timeout=N from Keep-Alive in any case, minus one second', () => {
    expect(keepAliveHintMs(['Content-Length', '2', 'Keep-Alive', 'timeout=5, max=100'])).toBe(4_000);
    expect(keepAliveHintMs(['keep-alive', 'timeout=1'])).toBe(0);
    expect(keepAliveHintMs(['Keep-Alive', 'max=5'])).toBeUndefined();
    expect(keepAliveHintMs(['Connection', 'keep-alive'])).toBeUndefined();
  });
});
