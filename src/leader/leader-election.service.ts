/**
 * Leader election with a coordination.k8s.io/v1 Lease (get / create / update with optimistic
 * concurrency, as the RBAC in deploy/ allows). Every replica watches and translates; only the leader
 * pushes and writes status (LEADERSHIP_CHANGED tells them). The leader renews every retry period and
 * steps down when it could not renew within the renew deadline; a follower takes over once it has seen
 * the record unchanged for the lease duration; on shutdown the leader releases the lease so a follower
 * takes over at its next retry.
 */
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { PipelineBus } from '../pipeline/pipeline-bus.js';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { SETTINGS_TOKEN } from '../config/settings.module.js';
import type { Settings } from '../config/settings.schema.js';
import { sleep } from '../pipeline/backoff.js';
import { LEADERSHIP_CHANGED, type LeadershipChangedEvent } from '../pipeline/pipeline.events.js';
import { KubeApi, KubeApiError } from '../providers/kubernetes/kube-api.js';
import { acquiredSpec, decide, recordFingerprint, releasedSpec, type Lease } from './lease-record.js';

export const LEADER_GAUGE = 'serval_leader';

export function electionTimings(leaseDurationMs: number): { retryMs: number; renewDeadlineMs: number } {
  // client-go's proportions (15 s lease, 10 s renew deadline, 2 s retry).
  return { retryMs: Math.max(100, Math.round(leaseDurationMs / 6)), renewDeadlineMs: Math.round((leaseDurationMs * 2) / 3) };
}

@Injectable()
export class LeaderElector implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('LeaderElection');
  readonly identity: string;
  private isLeader = false;
  private lease: Lease | undefined;
  private observed = { fingerprint: '', at: 0 };
  private lastRenewAt = 0;
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly path: string;
  private readonly durationSeconds: number;
  private readonly timings: { retryMs: number; renewDeadlineMs: number };

  constructor(
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
    private readonly api: KubeApi,
    private readonly events: PipelineBus,
    private readonly eventsReady: EventEmitterReadinessWatcher,
    @InjectMetric(LEADER_GAUGE) private readonly gauge: Gauge,
  ) {
    this.identity = settings.identity ?? `${hostname()}_${process.pid}`;
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(settings.leaseNamespace)}/leases`;
    this.durationSeconds = Math.ceil(settings.leaseDuration / 1000);
    this.timings = electionTimings(settings.leaseDuration);
  }

  get leader(): boolean {
    return this.isLeader;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.eventsReady.waitUntilReady();
    if (!this.settings.leaderElection) {
      this.setLeader(true, 'leader election disabled');
      return;
    }
    this.log.log(`identity ${this.identity}, lease ${this.settings.leaseNamespace}/${this.settings.leaseName}`);
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stop.abort();
    await this.loop;
    if (this.settings.leaderElection && this.isLeader) await this.release();
    this.setLeader(false, 'shutting down');
  }

  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      await this.tick();
      await sleep(this.timings.retryMs, this.stop.signal);
    }
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    try {
      const lease = await this.read();
      if (!lease) {
        await this.create();
      } else {
        this.observe(lease, now);
        const decision = decide(lease, this.identity, this.observed.at, now, this.settings.leaseDuration);
        if (decision.action === 'wait') {
          this.setLeader(false, `lease held by ${decision.holder}`);
        } else {
          await this.update(lease, decision.action);
        }
      }
    } catch (err) {
      if (err instanceof KubeApiError && (err.status === 409 || err.status === 404)) {
        // Someone else wrote the lease between our read and write: they won this round.
        this.setLeader(false, 'lost a lease update race');
      } else {
        this.log.warn(`lease ${this.settings.leaseName}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (this.isLeader && Date.now() - this.lastRenewAt > this.timings.renewDeadlineMs) {
      this.setLeader(false, `could not renew the lease within ${this.timings.renewDeadlineMs} ms`);
    }
  }

  private observe(lease: Lease, now: number): void {
    const fp = recordFingerprint(lease);
    if (fp !== this.observed.fingerprint) this.observed = { fingerprint: fp, at: now };
    this.lease = lease;
  }

  private async read(): Promise<Lease | undefined> {
    try {
      return await this.api.request<Lease>('GET', `${this.path}/${encodeURIComponent(this.settings.leaseName)}`, { signal: this.stop.signal });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  private async create(): Promise<void> {
    const now = new Date();
    const body: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.settings.leaseName, namespace: this.settings.leaseNamespace },
      spec: acquiredSpec(undefined, this.identity, this.durationSeconds, now),
    };
    const created = await this.api.request<Lease>('POST', this.path, { body, signal: this.stop.signal });
    this.renewed(created, 'created the lease');
  }

  private async update(lease: Lease, action: 'renew' | 'acquire'): Promise<void> {
    const body: Lease = { ...lease, spec: acquiredSpec(lease.spec, this.identity, this.durationSeconds, new Date()) };
    const updated = await this.api.request<Lease>('PUT', `${this.path}/${encodeURIComponent(lease.metadata.name)}`, { body, signal: this.stop.signal });
    this.renewed(updated, action === 'acquire' ? `acquired the lease from ${lease.spec?.holderIdentity || 'nobody'}` : 'renewed');
  }

  private renewed(lease: Lease, why: string): void {
    this.lastRenewAt = Date.now();
    this.observe(lease, this.lastRenewAt);
    this.setLeader(true, why);
  }

  private async release(): Promise<void> {
    const lease = this.lease;
    if (!lease || lease.spec?.holderIdentity !== this.identity) return;
    try {
      await this.api.request('PUT', `${this.path}/${encodeURIComponent(lease.metadata.name)}`, { body: { ...lease, spec: releasedSpec(lease.spec, new Date()) } });
      this.log.log('released the lease');
    } catch (err) {
      this.log.warn(`could not release the lease (a follower takes over when it expires): ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private setLeader(leader: boolean, why: string): void {
    if (leader === this.isLeader) return;
    this.isLeader = leader;
    this.gauge.set(leader ? 1 : 0);
    this.log.log(`${leader ? 'became leader' : 'not leader'}: ${why}`);
    const event: LeadershipChangedEvent = { leader, identity: this.identity };
    this.events.emit(LEADERSHIP_CHANGED, event);
  }
}
