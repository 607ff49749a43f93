/**
 * The translator stage coalesces bursts: thousands of RESOURCES_CHANGED events cost a handful of
 * translations, the last snapshot always wins, nothing is emitted when nothing changed, and a translator
 * bug (an invalid config) never leaves the stage.
 */
import { EventEmitter2 } from '@nestjs/event-emitter';
import { PipelineBus } from '../../src/pipeline/pipeline-bus.js';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load-settings.js';
import { Coalescer } from '../../src/pipeline/coalescer.js';
import { CONFIG_TRANSLATED, RESOURCES_CHANGED, type ConfigTranslatedEvent } from '../../src/pipeline/pipeline.events.js';
import { translate } from '../../src/translator/translate.js';
import { TranslationService, type TranslateFn } from '../../src/translator/translation.service.js';
import type { HTTPRoute, ResourceSnapshot } from '../../src/translator/translator.types.js';
import { testMetrics, waitFor } from '../support/real-router.js';

function snapshotWithRoutes(n: number, backendPort = 3000): ResourceSnapshot {
  const gw = 'gateway.networking.k8s.io/v1';
  const routes: HTTPRoute[] = Array.from({ length: n }, (_, i) => ({
    apiVersion: gw,
    kind: 'HTTPRoute',
    metadata: { name: `r${i}`, namespace: 'default', generation: 1, creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/r${i}` } }], backendRefs: [{ name: 'svc', port: 80 }] }] },
  }));
  return {
    gatewayClasses: [{ apiVersion: gw, kind: 'GatewayClass', metadata: { name: 'serval', generation: 1 }, spec: { controllerName: 'serval.dev/gateway-controller' } }],
    gateways: [{ apiVersion: gw, kind: 'Gateway', metadata: { name: 'gw', namespace: 'default', generation: 1 }, spec: { gatewayClassName: 'serval', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] } }],
    httpRoutes: routes,
    referenceGrants: [],
    services: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'default' }, spec: { ports: [{ port: 80, targetPort: backendPort }] } }],
    endpointSlices: [
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'svc-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'svc' } },
        addressType: 'IPv4',
        ports: [{ port: backendPort, protocol: 'TCP' }],
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      },
    ],
    secrets: [],
    namespaces: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } } }],
  };
}

function stage(translateFn: TranslateFn, debounceMs: number) {
  const settings = loadSettings('standalone', ['--debounce', String(debounceMs)], {});
  const events = new PipelineBus(new EventEmitter2());
  const m = testMetrics();
  const service = new TranslationService(settings, translateFn, events, m.counter('reconcile_total', ['result']), m.histogram('reconcile_seconds'));
  const emitted: ConfigTranslatedEvent[] = [];
  events.on(CONFIG_TRANSLATED, (e: ConfigTranslatedEvent) => emitted.push(e));
  events.on(RESOURCES_CHANGED, (e) => service.onResourcesChanged(e));
  return { service, events, emitted, registry: m.registry };
}

describe('translation stage', () => {
  it('coalesces a burst of 5,000 changes into a few translations of the last snapshot', async () => {
    let calls = 0;
    const counting: TranslateFn = (s, o) => {
      calls++;
      return translate(s, o);
    };
    const { service, events, emitted } = stage(counting, 50);
    const snapshots = Array.from({ length: 50 }, (_, i) => snapshotWithRoutes(i + 1));
    for (let i = 0; i < 5000; i++) events.emit(RESOURCES_CHANGED, { snapshot: snapshots[Math.floor(i / 100)], changedKinds: ['HTTPRoute'] });
    await waitFor('the burst translated', () => emitted.length > 0 && calls > 0);
    await service.flush();
    // The emits above ran synchronously: one quiet period later, exactly one translation of the last one.
    expect(calls).toBe(1);
    expect(service.translationCount).toBe(1);
    const last = emitted.at(-1)!;
    const routes = last.config.listeners[0].virtualHosts.flatMap((v) => v.routes);
    expect(routes).toHaveLength(50);
    service.onModuleDestroy();
  });

  it('a steady stream still reconciles (max wait), and coalesces', async () => {
    let runs = 0;
    const c = new Coalescer({ quietMs: 30, maxWaitMs: 100 }, () => {
      runs++;
    });
    const until = Date.now() + 600;
    while (Date.now() < until) {
      c.trigger();
      await new Promise((r) => setTimeout(r, 5));
    }
    await c.idle();
    // Never quiet for 30 ms, yet it ran about every 100 ms: more than once, far fewer than the triggers.
    expect(runs).toBeGreaterThan(1);
    expect(runs).toBeLessThan(40);
    c.close();
  });

  it('leading: a change after a quiet spell runs on the next turn; a stream still runs at most once per window', async () => {
    const starts: number[] = [];
    const c = new Coalescer({ quietMs: 200, maxWaitMs: 200, leading: true }, () => {
      starts.push(performance.now());
    });
    // Same-turn triggers join one run, which does not wait for the 200 ms window.
    const first = performance.now();
    c.trigger();
    c.trigger();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(starts).toHaveLength(1);
    expect(starts[0] - first).toBeLessThan(150);
    // Triggered again right after: this one waits out the window counted from the previous start.
    c.trigger();
    await c.idle();
    expect(starts).toHaveLength(2);
    // Timers run on whole milliseconds of libuv's clock: allow 1 ms against performance.now().
    expect(starts[1] - starts[0]).toBeGreaterThanOrEqual(198);
    // A stream of triggers every 5 ms for 700 ms: about one run per 200 ms, not one per trigger.
    const until = performance.now() + 700;
    while (performance.now() < until) {
      c.trigger();
      await new Promise((r) => setTimeout(r, 5));
    }
    await c.idle();
    expect(starts.length).toBeGreaterThan(3);
    expect(starts.length).toBeLessThan(10);
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(198);
    c.close();
  });

  it('emits only when the config version or the statuses change', async () => {
    const { service, events, emitted } = stage(translate, 0);
    events.emit(RESOURCES_CHANGED, { snapshot: snapshotWithRoutes(2), changedKinds: ['HTTPRoute'] });
    await waitFor('first config', () => emitted.length === 1);
    events.emit(RESOURCES_CHANGED, { snapshot: snapshotWithRoutes(2), changedKinds: ['HTTPRoute'] });
    await service.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(service.translationCount).toBe(2);
    expect(emitted).toHaveLength(1);
    events.emit(RESOURCES_CHANGED, { snapshot: snapshotWithRoutes(3), changedKinds: ['HTTPRoute'] });
    await waitFor('second config', () => emitted.length === 2);
    expect(emitted[1].config.version).not.toBe(emitted[0].config.version);
    service.onModuleDestroy();
  });

  it('never lets an invalid config out: the last good one stays current', async () => {
    let broken = false;
    const sometimesBroken: TranslateFn = (s, o) => {
      const r = translate(s, o);
      if (broken) r.config.listeners[0].port = 0; // out of the contract's range
      return r;
    };
    const { service, events, emitted, registry } = stage(sometimesBroken, 0);
    events.emit(RESOURCES_CHANGED, { snapshot: snapshotWithRoutes(1), changedKinds: ['HTTPRoute'] });
    await waitFor('first config', () => emitted.length === 1);
    broken = true;
    events.emit(RESOURCES_CHANGED, { snapshot: snapshotWithRoutes(4), changedKinds: ['HTTPRoute'] });
    await waitFor('the broken translation ran', () => service.translationCount === 2);
    expect(emitted).toHaveLength(1);
    expect(service.current?.config.version).toBe(emitted[0].config.version);
    expect(await registry.getSingleMetricAsString('reconcile_total')).toContain('result="error"} 1');
    service.onModuleDestroy();
  });
});
