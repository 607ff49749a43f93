/**
 * The dashboard endpoints on the real router's admin API: the public page (with a CSP that admits
 * exactly its own script), the token-guarded state, and what the state says after real traffic:
 * counters per route (5xx as errors, unmatched requests under ""), ejected endpoints, no TLS material.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DashboardState } from '../../../src/router/dashboard/dashboard-state.js';
import { routeStatsFromMetrics, withoutTlsMaterial } from '../../../src/router/dashboard/dashboard-state.js';
import { freePort, startUpstream, waitFor, type Upstream } from '../admin/support/fixtures.js';
import { shopWithApiConfig } from './support/configs.js';
import { AUTH, hit, startRouter, type RunningRouter } from './support/router.js';

async function state(r: RunningRouter, headers: Record<string, string> = AUTH): Promise<{ status: number; body: any }> {
  const res = await fetch(`${r.adminUrl}/dashboard/state`, { headers });
  return { status: res.status, body: await res.json() };
}

describe('routeStatsFromMetrics', () => {
  test('sums statuses per route, counts 5xx as errors and unescapes label values', () => {
    const text = [
      '# HELP serval_requests_total Requests answered, by route name and status code.',
      '# TYPE serval_requests_total counter',
      'serval_requests_total{route="ns/a/0/0",status="200"} 7',
      'serval_requests_total{status="503",route="ns/a/0/0"} 2',
      'serval_requests_total{route="we\\"ird\\\\name",status="502"} 1',
      'serval_requests_total{route="",status="404"} 3',
      'serval_request_duration_seconds_count{route="ns/a/0/0"} 9',
    ].join('\n');
    expect(routeStatsFromMetrics(text)).toEqual({
      'ns/a/0/0': { requests: 9, errors: 2 },
      'we"ird\\name': { requests: 1, errors: 1 },
      '': { requests: 3, errors: 0 },
    });
  });

  test('keeps only the SNI names of certificates', () => {
    const listener = withoutTlsMaterial({
      name: 'https',
      port: 443,
      protocol: 'HTTPS',
      tls: { certificates: [{ hostnames: ['a.example'], certPem: 'CERT', keyPem: 'KEY' }, { certPem: 'CERT2', keyPem: 'KEY2' }] },
      virtualHosts: [],
    });
    expect(listener.tls).toEqual({ certificates: [{ hostnames: ['a.example'] }, { hostnames: [] }] });
  });
});

describe('dashboard on the router admin API', () => {
  let r: RunningRouter;
  let web: Upstream;
  let api: Upstream;
  let listenPort: number;

  beforeAll(async () => {
    [r, web, api] = await Promise.all([startRouter(), startUpstream('web'), startUpstream('api')]);
    listenPort = await freePort();
    await r.push(shopWithApiConfig(listenPort, web.port, api.port, await freePort()));
  });
  afterAll(async () => {
    await Promise.all([r?.close(), web?.close(), api?.close()]);
  });

  test('GET / is the page, public, with a CSP that admits exactly its inline script', async () => {
    const res = await fetch(`${r.adminUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('<title>serval router</title>');
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1];
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    expect(csp).toContain("default-src 'none'");
    expect(html).not.toMatch(/\son[a-z]+="/); // no inline handlers: the CSP would block them
  });

  test('the state needs the admin token when one is set', async () => {
    expect((await state(r, {})).status).toBe(401);
    const wrong = await state(r, { authorization: 'Bearer not-the-token-at-all-000' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'unauthorized', path: '', reason: expect.stringContaining('admin token') });
    expect((await state(r)).status).toBe(200);
  });

  test('reports the live version, listeners, pools and per-route counters from real traffic', async () => {
    for (let i = 0; i < 3; i++) expect(await hit(listenPort, '/')).toBe(200);
    for (let i = 0; i < 2; i++) expect(await hit(listenPort, '/api/items')).toBe(200);
    expect(await hit(listenPort, '/', 'nobody.example')).toBe(404);
    expect(await hit(listenPort, '/legacy')).toBeGreaterThanOrEqual(500); // nothing listens there

    const live = (await (await fetch(`${r.adminUrl}/config`)).json()) as { version: string; changedAt: string; swapCount: number };
    const { status, body } = await state(r);
    expect(status).toBe(200);
    const s = body as DashboardState;
    expect(s.version).toBe(live.version);
    expect(s.changedAt).toBe(live.changedAt);
    expect(s.swaps).toBe(live.swapCount);
    expect(Math.abs(s.at - Date.now())).toBeLessThan(60_000);
    expect(s.listeners.map((l) => l.name)).toEqual(['web']);
    expect(s.listeners[0].virtualHosts[0].routes.map((x) => x.name)).toEqual(['shop/api/0/0', 'shop/storefront/0/0', 'shop/legacy/0/0']);
    expect(s.routeStats['shop/storefront/0/0']).toEqual({ requests: 3, errors: 0 });
    expect(s.routeStats['shop/api/0/0']).toEqual({ requests: 2, errors: 0 });
    expect(s.routeStats['shop/legacy/0/0']).toEqual({ requests: 1, errors: 1 });
    expect(s.routeStats['']).toEqual({ requests: 1, errors: 0 });

    expect(s.pools.map((p) => p.name)).toEqual(['storefront', 'api-v1', 'api-v2', 'legacy']);
    expect(s.pools[0].endpoints).toEqual([{ host: '127.0.0.1', port: web.port, healthy: true, inFlight: 0 }]);
    const legacy = s.pools[3].endpoints[0];
    expect(legacy.healthy).toBe(false);
    expect(legacy.ejectedUntil).toBeGreaterThan(Date.now());
  });

  test('counters are cumulative across polls', async () => {
    const before = ((await state(r)).body as DashboardState).routeStats['shop/storefront/0/0'].requests;
    expect(await hit(listenPort, '/')).toBe(200);
    await waitFor('the counter to move', async () => ((await state(r)).body as DashboardState).routeStats['shop/storefront/0/0'].requests === before + 1);
  });
});

describe('an HTTPS listener', () => {
  let r: RunningRouter;
  let dir: string;

  beforeAll(async () => {
    r = await startRouter();
    dir = mkdtempSync(join(tmpdir(), 'serval-dashboard-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=secure.example',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  });
  afterAll(async () => {
    await r?.close();
  });

  test('shows which names get certificates and never the certificate or key', async () => {
    const keyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
    const certPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    await r.push({
      listeners: [{
        name: 'secure', address: '127.0.0.1', port: await freePort(), protocol: 'HTTPS',
        tls: { certificates: [{ hostnames: ['secure.example'], certPem, keyPem }] },
        virtualHosts: [{ name: 'secure', hostnames: ['secure.example'], routes: [] }],
      }],
      pools: [],
    });
    const res = await fetch(`${r.adminUrl}/dashboard/state`, { headers: AUTH });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain('BEGIN CERTIFICATE');
    expect(JSON.parse(text).listeners[0].tls).toEqual({ certificates: [{ hostnames: ['secure.example'] }] });
  });
});
