/**
 * The identity rule: what a stage hands on (a provider's snapshot, a translation, an accepted router
 * config) is never edited in place, because the caches downstream key on object identity. Tests run with
 * SERVAL_FREEZE_INPUTS=1 (vitest.config.ts), so these are deep-frozen where they are produced and an
 * in-place edit throws in whichever test makes it. This file shows that it does, stage by stage.
 */
import { EventEmitter2, type EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load-settings.js';
import type { RouterConfig } from '../../src/contract/router-config.schema.js';
import { parseConfigDelta, parseRouterConfig } from '../../src/contract/validate-config.js';
import { PipelineBus } from '../../src/pipeline/pipeline-bus.js';
import { CONFIG_TRANSLATED, RESOURCES_CHANGED, type ConfigTranslatedEvent, type ResourcesChangedEvent } from '../../src/pipeline/pipeline.events.js';
import { FileResourceProvider } from '../../src/providers/files/file-resource.provider.js';
import { translate } from '../../src/translator/translate.js';
import { TranslationService } from '../../src/translator/translation.service.js';
import { testMetrics, waitFor } from '../support/real-router.js';

const doc = (): unknown => ({
  listeners: [
    {
      name: 'http',
      address: '127.0.0.1',
      port: 8080,
      protocol: 'HTTP',
      virtualHosts: [{ name: 'a', hostnames: ['a.example'], routes: [{ name: 'r', match: { path: { type: 'PathPrefix', value: '/' } }, backends: [{ pool: 'p', weight: 1 }] }] }],
    },
  ],
  pools: [{ name: 'p', endpoints: [{ host: '127.0.0.1', port: 3000 }] }],
});

describe('the identity rule is enforced in tests', () => {
  it('runs with the switch on', () => {
    expect(process.env.SERVAL_FREEZE_INPUTS).toBe('1');
  });

  it('an accepted config (full or from a delta) throws on an in-place edit, at any depth', () => {
    const config = parseRouterConfig(doc());
    expect(() => {
      config.pools[0]!.endpoints.push({ host: '127.0.0.2', port: 3000 });
    }).toThrow(TypeError);
    expect(() => {
      config.listeners[0]!.virtualHosts[0]!.routes[0]!.match.path = { type: 'Exact', value: '/x' };
    }).toThrow(TypeError);
    expect(() => {
      (config as { version?: string }).version = 'edited';
    }).toThrow(TypeError);

    const next = parseRouterConfig({ ...(doc() as RouterConfig), pools: [{ name: 'p', endpoints: [{ host: '127.0.0.1', port: 3001 }] }] });
    const delta = { baseVersion: config.version!, version: next.version!, pools: next.pools };
    const applied = parseConfigDelta(config, delta);
    expect(applied.version).toBe(next.version);
    expect(() => {
      applied.listeners.pop();
    }).toThrow(TypeError);
  });

  it("a provider's snapshot and the translation made of it throw on an in-place edit", async () => {
    const settings = loadSettings('standalone', ['--resources', 'examples', '--debounce', '0'], {});
    const bus = new PipelineBus(new EventEmitter2());
    const m = testMetrics();
    const translator = new TranslationService(settings, translate, bus, m.counter('reconcile_total', ['result']), m.histogram('reconcile_seconds'));
    let snapshot: ResourcesChangedEvent['snapshot'] | undefined;
    let translated: ConfigTranslatedEvent | undefined;
    bus.on(RESOURCES_CHANGED, (e) => {
      snapshot = e.snapshot;
      translator.onResourcesChanged(e);
    });
    bus.on(CONFIG_TRANSLATED, (e) => (translated = e));
    // load() reads the files and emits; it never waits on readiness.
    const files = new FileResourceProvider(settings, bus, {} as EventEmitterReadinessWatcher);
    await files.load();
    await waitFor('the translation', () => translated);

    expect(snapshot!.httpRoutes.length).toBeGreaterThan(0);
    expect(() => snapshot!.httpRoutes.push(snapshot!.httpRoutes[0]!)).toThrow(TypeError);
    expect(() => {
      snapshot!.httpRoutes[0]!.spec.hostnames = ['edited.example'];
    }).toThrow(TypeError);
    expect(() => {
      snapshot!.gateways[0]!.metadata.labels = {};
    }).toThrow(TypeError);

    expect(() => {
      translated!.statuses[0]!.status.conditions = [];
    }).toThrow(TypeError);
    expect(() => translated!.statuses.reverse()).toThrow(TypeError);
    expect(() => {
      translated!.config.listeners[0]!.port = 1;
    }).toThrow(TypeError);
    translator.onModuleDestroy();
  });
});
