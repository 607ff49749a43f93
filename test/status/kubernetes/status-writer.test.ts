/**
 * The status writer's logic without Kubernetes: random translations, late and batched watch echoes,
 * 409s from writes that race another writer, 500s, overwrites by someone else, re-lists and leadership
 * changes, against a fake of StatusApi (support/fake-cluster.ts). Whatever happens on the way, once
 * things settle every object carries the last desired status, objects that are not ours are untouched,
 * and nothing more is written. test/k8s/controller.test.ts runs the same writer against a real API server.
 */
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Logger } from '@nestjs/common';
import { afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { PipelineBus } from '../../../src/pipeline/pipeline-bus.js';
import {
  CONFIG_PUBLISHED,
  CONFIG_TRANSLATED,
  LEADERSHIP_CHANGED,
  STATUS_OBJECT_CHANGED,
  type StatusKind,
} from '../../../src/pipeline/pipeline.events.js';
import { StatusWriter } from '../../../src/status/kubernetes/status-writer.service.js';
import { statusCanon } from '../../../src/translator/status-canon.js';
import type { ObjectStatus } from '../../../src/translator/translator.types.js';
import { testMetrics } from '../../support/real-router.js';
import { FakeCluster, refKey, seeded, type FakeClusterOptions } from './support/fake-cluster.js';

beforeAll(() => Logger.overrideLogger(false)); // conflicts and retries are logged: expected here, noise in the output

beforeEach(() => {
  // setImmediate stays real: the writer's coalescer uses timeouts only, and awaiting turns needs it.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] });
});
afterEach(() => vi.useRealTimers());

function setup(seed: number, options: Partial<FakeClusterOptions> = {}) {
  const random = seeded(seed);
  const bus = new PipelineBus(new EventEmitter2());
  const m = testMetrics();
  const cluster = new FakeCluster({ random, deliver: (e) => bus.emit(STATUS_OBJECT_CHANGED, e), ...options });
  const writer = new StatusWriter(cluster, m.counter('status_writes', ['kind', 'result']));
  bus.on(CONFIG_TRANSLATED, (e) => writer.onConfigTranslated(e));
  bus.on(CONFIG_PUBLISHED, (e) => writer.onConfigPublished(e));
  bus.on(LEADERSHIP_CHANGED, (e) => writer.onLeadershipChanged(e));
  bus.on(STATUS_OBJECT_CHANGED, (e) => writer.onObjectChanged(e));
  let version = 0;
  const translate = (statuses: ObjectStatus[], published: boolean) => {
    const config = { version: `v${++version}`, listeners: [], pools: [] };
    bus.emit(CONFIG_TRANSLATED, { config, statuses });
    if (published) bus.emit(CONFIG_PUBLISHED, { version: config.version, replicas: ['http://router'] });
  };
  const lead = (leader: boolean) => bus.emit(LEADERSHIP_CHANGED, { leader, identity: 'test' });
  /** Lets every timer, echo and write run out (writer.idle() would wait on a fake timer nobody advances). */
  const settle = async () => {
    for (let i = 0; i < 200; i++) {
      await vi.advanceTimersByTimeAsync(100);
      if (cluster.quiet && i > 70) return; // past every retry delay (5 s) with nothing left to deliver
    }
  };
  onTestFinished(() => writer.onModuleDestroy());
  return { random, cluster, writer, translate, lead, settle };
}

const KINDS: { kind: StatusKind; namespace?: string; count: number }[] = [
  { kind: 'GatewayClass', count: 1 },
  { kind: 'Gateway', namespace: 'infra', count: 3 },
  { kind: 'HTTPRoute', namespace: 'apps', count: 30 },
];

function randomStatus(random: () => number, kind: StatusKind): Record<string, unknown> {
  const int = (n: number) => Math.floor(random() * n);
  const accepted = random() < 0.7 ? 'True' : 'False';
  const condition = { type: 'Accepted', status: accepted, reason: accepted === 'True' ? 'Accepted' : 'NotAllowedByListeners', observedGeneration: 1, lastTransitionTime: new Date(int(1e9)).toISOString() };
  if (kind === 'GatewayClass') return { conditions: [condition], ...(random() < 0.5 ? { supportedFeatures: [{ name: 'HTTPRoute' }] } : {}) };
  if (kind === 'Gateway') {
    return {
      conditions: [condition],
      listeners: [{ name: 'http', attachedRoutes: int(40), conditions: [{ ...condition, type: 'Programmed' }] }],
      // Sometimes dropped: the merge patch must then set it to null.
      ...(random() < 0.6 ? { addresses: [{ type: 'IPAddress', value: `10.0.0.${int(4)}` }] } : {}),
    };
  }
  return { parents: [{ parentRef: { name: `gw${int(3)}`, namespace: 'infra' }, controllerName: 'serval.dev/gateway-controller', conditions: [condition] }] };
}

describe('StatusWriter against a fake API server', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: random translations, echoes, 409s, 500s and overwrites end with every desired status written`, async () => {
      const { random, cluster, translate, lead, settle } = setup(seed, { raceRate: 0.15, errorRate: 0.05, maxEchoMs: 30 });
      const desired = new Map<string, ObjectStatus>();
      for (const { kind, namespace, count } of KINDS) {
        for (let i = 0; i < count; i++) {
          const name = `${kind.toLowerCase()}${i}`;
          cluster.create(kind, namespace, name);
          desired.set(refKey(kind, namespace, name), { kind, ...(namespace ? { namespace } : {}), name, status: randomStatus(random, kind) });
        }
      }
      const foreign = [cluster.create('HTTPRoute', 'apps', 'not-ours-0'), cluster.create('HTTPRoute', 'apps', 'not-ours-1')];
      if (random() < 0.5) lead(true);
      let leading = false;
      for (let round = 0; round < 60; round++) {
        // The translator hands back the same object for an unchanged status, a new one for a changed status.
        for (const key of [...desired.keys()]) {
          if (random() < 0.1) {
            const old = desired.get(key)!;
            desired.set(key, { ...old, status: randomStatus(random, old.kind) });
          }
        }
        translate([...desired.values()], random() < 0.7);
        const r = random();
        if (r < 0.1) {
          const victim = [...desired.values()][Math.floor(random() * desired.size)]!;
          cluster.otherWriter(cluster.objects.get(refKey(victim.kind, victim.namespace, victim.name))!, { conditions: [] });
        } else if (r < 0.13) cluster.relist(KINDS[Math.floor(random() * KINDS.length)]!.kind);
        else if (r < 0.18) lead((leading = !leading));
        await vi.advanceTimersByTimeAsync(Math.floor(random() * 300));
      }
      lead(true);
      await settle();

      for (const s of desired.values()) {
        const stored = cluster.objects.get(refKey(s.kind, s.namespace, s.name))!;
        expect({ key: refKey(s.kind, s.namespace, s.name), status: statusCanon(stored.status) }).toEqual({ key: refKey(s.kind, s.namespace, s.name), status: statusCanon(s.status) });
      }
      for (const o of foreign) expect(cluster.objects.get(refKey('HTTPRoute', 'apps', o.metadata.name))!.metadata.resourceVersion).toBe(o.metadata.resourceVersion);
      expect(cluster.conflicts).toBeGreaterThan(0);

      // Settled means settled: nothing is written again, and a translation that changes nothing writes nothing.
      const patches = cluster.patches;
      translate([...desired.values()], true);
      await settle();
      expect(cluster.patches).toBe(patches);
    });
  }

  it('writes a changed status once, and only the objects whose status changed', async () => {
    const { cluster, translate, lead, settle } = setup(7);
    const statuses: ObjectStatus[] = [];
    for (let i = 0; i < 10; i++) {
      cluster.create('HTTPRoute', 'apps', `r${i}`);
      statuses.push({ kind: 'HTTPRoute', namespace: 'apps', name: `r${i}`, status: { parents: [{ controllerName: 'x', conditions: [{ type: 'Accepted', status: 'True' }] }] } });
    }
    lead(true);
    translate(statuses, true);
    await settle();
    expect(cluster.patches).toBe(10);
    const next = statuses.slice();
    next[3] = { ...next[3]!, status: { parents: [] } };
    translate(next, true);
    await settle();
    expect(cluster.patches).toBe(11);
    expect(cluster.objects.get(refKey('HTTPRoute', 'apps', 'r3'))!.status).toEqual({ parents: [] });
  });

  it('a status the server normalizes is written once, not again and again', async () => {
    const { cluster, translate, lead, settle } = setup(8, { normalize: (s) => ({ ...s, observedBy: 'apiserver' }) });
    cluster.create('Gateway', 'infra', 'gw');
    lead(true);
    translate([{ kind: 'Gateway', namespace: 'infra', name: 'gw', status: { conditions: [{ type: 'Accepted', status: 'True' }] } }], true);
    await settle();
    expect(cluster.patches).toBe(1);
  });

  it('waits for the config to go live before writing, or writes after the publish wait', async () => {
    const { cluster, translate, lead, settle } = setup(9);
    cluster.create('Gateway', 'infra', 'gw');
    lead(true);
    await settle();
    translate([{ kind: 'Gateway', namespace: 'infra', name: 'gw', status: { conditions: [], addresses: [] } }], false);
    await vi.advanceTimersByTimeAsync(100);
    expect(cluster.patches).toBe(0);
    await settle();
    expect(cluster.patches).toBe(1);
  });

  it('a follower writes nothing; a new leader writes what the cluster lacks', async () => {
    const { cluster, translate, lead, settle } = setup(10);
    cluster.create('Gateway', 'infra', 'gw');
    translate([{ kind: 'Gateway', namespace: 'infra', name: 'gw', status: { conditions: [{ type: 'Programmed', status: 'True' }] } }], true);
    await settle();
    expect(cluster.patches).toBe(0);
    lead(true);
    await settle();
    expect(cluster.patches).toBe(1);
  });
});
