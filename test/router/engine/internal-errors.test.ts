/**
 * The catch-alls on the per-request path (listener-slot.ts) keep a bug to one failed request; they
 * must also make it seen: the engine's onInternalError hook, serval_internal_errors_total{site} and a
 * rate-limited log line (never one per request).
 */
import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileConfig, newCompileContext } from '../../../src/router/engine/compile-config.js';
import { Forwarder, type Exchange, type ListenerView } from '../../../src/router/engine/forwarder.js';
import type { InternalErrorSite } from '../../../src/router/engine/internal-errors.js';
import { ListenerSlot } from '../../../src/router/engine/listener-slot.js';
import { EndpointRegistry } from '../../../src/router/engine/pools.js';
import { RouterEngine } from '../../../src/router/engine/router-engine.js';
import { SecureContextCache } from '../../../src/router/engine/tls-contexts.js';
import { UpstreamAgent } from '../../../src/router/engine/upstream-agent.js';
import { InternalErrors } from '../../../src/router/metrics/internal-errors.js';
import { defaultOptions, exact, freePort, LOCAL, pool, request, route, simple, startEcho, type Upstream } from './helpers.js';

let up: Upstream;

beforeAll(async () => {
  up = await startEcho('up');
});

afterAll(async () => {
  await up.close();
});

/** A real Forwarder with one bug planted: requests carrying x-bug throw out of handleRequest. */
class BuggyForwarder extends Forwarder {
  override handleRequest(view: ListenerView, req: IncomingMessage, ex: Exchange): void {
    if (req.headers['x-bug'] !== undefined) throw new Error('planted bug');
    super.handleRequest(view, req, ex);
  }
}

describe('engine catch-alls report what they catch', () => {
  it('a request whose handling throws: 500 to the client, and the hook hears of it', async () => {
    const seen: Array<{ site: InternalErrorSite; message: string }> = [];
    const onInternalError = (site: InternalErrorSite, err: unknown): void => void seen.push({ site, message: (err as Error).message });
    const agent = new UpstreamAgent({ connectTimeoutMs: 1000 });
    const forwarder = new BuggyForwarder({ agent, defaultTimeoutMs: 5000, ejectionTimeMs: 1000, maxHeaderCount: 100, onInternalError });
    const port = await freePort();
    const compiled = compileConfig(simple(port, [route('r', exact('/'), 'up')], [pool('up', up.port)]), newCompileContext(new EndpointRegistry(agent), new SecureContextCache()));
    const slot = new ListenerSlot([...compiled.listeners.values()][0], defaultOptions.limits, forwarder, onInternalError);
    await slot.listen();
    try {
      expect((await request(port)).status).toBe(200);
      expect(seen).toEqual([]);
      expect((await request(port, { headers: { 'x-bug': '1' } })).status).toBe(500);
      expect(seen).toEqual([{ site: 'request', message: 'planted bug' }]);
    } finally {
      await slot.drain(100);
      agent.destroy();
    }
  });

  it('an upgrade whose handling throws (here: an onRequest observer with a bug) reaches the hook', async () => {
    const sites: InternalErrorSite[] = [];
    const port = await freePort();
    const engine = new RouterEngine({
      ...defaultOptions,
      onRequest: () => {
        throw new Error('observer bug');
      },
      onInternalError: (site) => void sites.push(site),
    });
    await engine.apply(simple(port, [route('r', exact('/'), 'up')], [pool('up', up.port)]));
    try {
      // No route for /nowhere: the 404 is observed synchronously inside handleUpgrade.
      const ws = new WebSocket(`ws://${LOCAL}:${port}/nowhere`);
      await new Promise<void>((resolve) => {
        ws.on('error', () => resolve());
        ws.on('close', () => resolve());
      });
      expect(sites).toEqual(['upgrade']);
    } finally {
      await engine.close(100);
    }
  });
});

describe('serval_internal_errors_total and its log', () => {
  it('counts every error by site and logs at most one line per interval, with the count it left out', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const registry = new Registry();
    let now = 1_000_000;
    const errors = new InternalErrors(registry, pino({ level: 'info' }, sink), { intervalMs: 10_000, now: () => now });
    for (let i = 0; i < 1000; i++) errors.report('request', new Error(`bug ${i}`));
    errors.report('upgrade', new Error('other bug'));
    now += 10_000;
    errors.report('upstream-request', new Error('late bug'));
    await new Promise((r) => setImmediate(r));

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 50, site: 'request', suppressed: 0, err: { message: 'bug 0' } });
    expect(lines[1]).toMatchObject({ site: 'upstream-request', suppressed: 1000, err: { message: 'late bug' } });
    const text = await registry.metrics();
    expect(text).toContain('serval_internal_errors_total{site="request"} 1000');
    expect(text).toContain('serval_internal_errors_total{site="upgrade"} 1');
    expect(text).toContain('serval_internal_errors_total{site="upstream-request"} 1');
  });
});

