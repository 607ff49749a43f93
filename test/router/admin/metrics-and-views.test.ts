/** Pure pieces of the router process: request metrics, worker aggregation, config views, access log, admin exposure. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { AggregatorRegistry, Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import type { RouterConfig } from '../../../src/contract/router-config.schema.js';
import { adminExposureProblem, bearerChecker, isLoopbackAddress } from '../../../src/process/admin-security.js';
import { listRoutes, redactConfig } from '../../../src/router/admin/config-view.js';
import { createAccessLog } from '../../../src/router/metrics/access-log.js';
import { RequestMetrics, routeNames } from '../../../src/router/metrics/request-metrics.js';
import { mergeEndpointHealth } from '../../../src/router/workers/endpoint-health-merge.js';
import { metricValue } from './support/http.js';

const seen = (route: string | null, status: number, durationSeconds: number, upstreamError?: 'connect' | 'timeout') => ({
  listener: 'web',
  route,
  method: 'GET',
  host: 'h',
  path: '/',
  status,
  durationSeconds,
  ...(upstreamError ? { upstreamError } : {}),
});

describe('RequestMetrics', () => {
  test('counts per route and status, fills cumulative buckets, counts upstream errors by kind', async () => {
    const registry = new Registry();
    const m = new RequestMetrics(registry);
    m.observe(seen('a', 200, 0.0005));
    m.observe(seen('a', 200, 0.03));
    m.observe(seen('a', 503, 100, 'connect'));
    m.observe(seen(null, 404, 0.0001));
    const text = await registry.metrics();
    expect(metricValue(text, 'serval_requests_total', { route: 'a', status: '200' })).toBe(2);
    expect(metricValue(text, 'serval_requests_total', { route: 'a', status: '503' })).toBe(1);
    expect(metricValue(text, 'serval_requests_total', { route: '', status: '404' })).toBe(1);
    expect(metricValue(text, 'serval_request_duration_seconds_bucket', { route: 'a', le: '0.001' })).toBe(1);
    expect(metricValue(text, 'serval_request_duration_seconds_bucket', { route: 'a', le: '0.05' })).toBe(2);
    expect(metricValue(text, 'serval_request_duration_seconds_bucket', { route: 'a', le: '60' })).toBe(2);
    expect(metricValue(text, 'serval_request_duration_seconds_bucket', { route: 'a', le: '+Inf' })).toBe(3);
    expect(metricValue(text, 'serval_request_duration_seconds_sum', { route: 'a' })).toBeCloseTo(100.0305, 6);
    expect(metricValue(text, 'serval_upstream_errors_total', { kind: 'connect' })).toBe(1);
    expect(metricValue(text, 'serval_upstream_errors_total', { kind: 'timeout' })).toBe(0);
  });

  test('series of routes that left the config are dropped; the no-route series stays', async () => {
    const registry = new Registry();
    const m = new RequestMetrics(registry);
    m.observe(seen('old', 200, 0.01));
    m.observe(seen('r1', 200, 0.01));
    m.observe(seen(null, 404, 0.01));
    // tlsConfig has one route, r1: the swap marks the rest for dropping, the scrape drops them.
    m.configChanged(tlsConfig);
    const text = await registry.metrics();
    expect(text).not.toContain('route="old"');
    expect(metricValue(text, 'serval_requests_total', { route: 'r1' })).toBe(1);
    expect(metricValue(text, 'serval_requests_total', { route: '' })).toBe(1);
  });

  test('without scrapes, series of departed routes are dropped when the series have doubled', () => {
    const registry = new Registry();
    const m = new RequestMetrics(registry);
    const size = () => (m as unknown as { series: Map<string, unknown> }).series.size;
    for (let i = 0; i < 200; i++) m.observe(seen(`gone-${i}`, 200, 0.01));
    m.configChanged(tlsConfig);
    expect(size()).toBe(200);
    // The next new series (r1, the one route of tlsConfig) finds 200 > 2 x 0 + 64: the departed go.
    m.observe(seen('r1', 200, 0.01));
    expect(size()).toBe(1);
  });

  test("workers' registries aggregate into sums", async () => {
    const workers = [new Registry(), new Registry()];
    const metrics = workers.map((r) => new RequestMetrics(r));
    metrics[0].observe(seen('a', 200, 0.01));
    metrics[1].observe(seen('a', 200, 0.02));
    metrics[1].observe(seen('a', 200, 0.02));
    const text = await AggregatorRegistry.aggregate(await Promise.all(workers.map((r) => r.getMetricsAsJSON()))).metrics();
    expect(metricValue(text, 'serval_requests_total', { route: 'a', status: '200' })).toBe(3);
    expect(metricValue(text, 'serval_request_duration_seconds_count', { route: 'a' })).toBe(3);
    expect(metricValue(text, 'serval_request_duration_seconds_bucket', { route: 'a', le: '0.025' })).toBe(3);
  });
});

const tlsConfig: RouterConfig = {
  listeners: [
    {
      name: 'https',
      port: 8443,
      protocol: 'HTTPS',
      tls: { certificates: [{ hostnames: ['a.test'], certPem: 'CERT', keyPem: '-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----' }] },
      virtualHosts: [
        { name: 'a', hostnames: ['a.test'], routes: [{ name: 'r1', match: { path: { type: 'PathPrefix', value: '/' } }, backends: [{ pool: 'p', weight: 1 }, { weight: 0 }] }] },
      ],
    },
  ],
  pools: [{ name: 'p', endpoints: [{ host: '10.0.0.1', port: 80 }] }],
};

describe('config views', () => {
  test('redactConfig replaces private keys by a fingerprint and leaves the input alone', () => {
    const shown = JSON.stringify(redactConfig(tlsConfig));
    expect(shown).not.toContain('secret');
    expect(shown).toMatch(/"keyPem":"<redacted sha256:[0-9a-f]{16}>"/);
    expect(shown).toContain('"certPem":"CERT"');
    expect(tlsConfig.listeners[0].tls?.certificates[0].keyPem).toContain('secret');
  });

  test('listRoutes flattens listeners, hosts and routes with their endpoints', () => {
    expect(listRoutes(tlsConfig)).toEqual([
      {
        listener: 'https',
        bind: '0.0.0.0:8443',
        hosts: ['a.test'],
        route: 'r1',
        match: { path: { type: 'PathPrefix', value: '/' } },
        backends: [
          { pool: 'p', weight: 1, endpoints: ['10.0.0.1:80'] },
          { pool: null, weight: 0, endpoints: [] },
        ],
      },
    ]);
    expect(routeNames(tlsConfig)).toEqual(new Set(['r1']));
  });
});

describe('admin exposure', () => {
  test('a non-loopback admin address needs a token', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('0.0.0.0')).toBe(false);
    expect(adminExposureProblem({ adminAddress: '127.0.0.1' })).toBeUndefined();
    expect(adminExposureProblem({ adminAddress: '0.0.0.0' })).toMatch(/--admin-token/);
    expect(adminExposureProblem({ adminAddress: '0.0.0.0', adminToken: 'x'.repeat(16) })).toBeUndefined();
  });

  test('bearerChecker accepts only the exact bearer token', () => {
    const ok = bearerChecker('token-0123456789abcdef');
    expect(ok('Bearer token-0123456789abcdef')).toBe(true);
    expect(ok('Bearer token-0123456789abcdeX')).toBe(false);
    expect(ok('token-0123456789abcdef')).toBe(false);
    expect(ok(undefined)).toBe(false);
  });
});

describe('endpoint health across workers', () => {
  test('in-flight adds up; an endpoint is healthy only if every worker says so', () => {
    const e = { pool: 'p', host: 'h', port: 1 };
    expect(
      mergeEndpointHealth([
        [{ ...e, healthy: true, inFlight: 2 }],
        [{ ...e, healthy: false, ejectedUntil: 5, inFlight: 1 }],
      ]),
    ).toEqual([{ ...e, healthy: false, ejectedUntil: 5, inFlight: 3 }]);
  });
});

describe('access log', () => {
  test('one JSON line per request when on; a 0 sample logs nothing', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    const log = createAccessLog(pino({ level: 'info' }, sink), 1);
    log?.(seen('a', 200, 0.01));
    log?.(seen(null, 404, 0.01));
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { log: 'access', route: 'a', status: 200 },
      { log: 'access', route: null, status: 404 },
    ]);
    expect(createAccessLog(pino({ level: 'info' }, sink), 0)).toBeUndefined();
  });
});
