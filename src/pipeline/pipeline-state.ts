/**
 * What the pipeline has achieved so far, learned only from its events (no stage is asked): resources
 * synced, the current translated config and statuses, what was published, leadership. The admin API
 * reads it for /readyz, GET /config and GET /status.
 */
import { Injectable } from '@nestjs/common';
import { OnPipelineEvent } from './pipeline-bus.js';
import type { RouterConfig } from '../contract/router-config.schema.js';
import type { ObjectStatus } from '../translator/translator.types.js';
import {
  CONFIG_PUBLISHED,
  CONFIG_TRANSLATED,
  LEADERSHIP_CHANGED,
  RESOURCES_CHANGED,
  type ConfigPublishedEvent,
  type ConfigTranslatedEvent,
  type LeadershipChangedEvent,
} from './pipeline.events.js';

export interface Readiness {
  ready: boolean;
  reason?: string;
}

@Injectable()
export class PipelineState {
  synced = false;
  leader = false;
  config: RouterConfig | undefined;
  statuses: ObjectStatus[] = [];
  translatedAt: Date | undefined;
  publishedVersion: string | undefined;
  publishedAt: Date | undefined;
  private wasReady = false;

  @OnPipelineEvent(RESOURCES_CHANGED)
  onResources(): void {
    this.synced = true;
  }

  @OnPipelineEvent(CONFIG_TRANSLATED)
  onTranslated(event: ConfigTranslatedEvent): void {
    this.config = event.config;
    this.statuses = event.statuses;
    this.translatedAt = new Date();
  }

  @OnPipelineEvent(CONFIG_PUBLISHED)
  onPublished(event: ConfigPublishedEvent): void {
    this.publishedVersion = event.version;
    this.publishedAt = new Date();
  }

  @OnPipelineEvent(LEADERSHIP_CHANGED)
  onLeadership(event: LeadershipChangedEvent): void {
    this.leader = event.leader;
  }

  /**
   * Ready once resources have synced and, for the leader, a first config was published. Latched: a
   * follower that becomes leader, or a later push failure, does not flap readiness (pushes are retried
   * and visible in /metrics).
   */
  readiness(): Readiness {
    if (this.wasReady) return { ready: true };
    if (!this.synced) return { ready: false, reason: 'resources not synced yet' };
    if (this.leader && !this.publishedVersion) return { ready: false, reason: 'first config not published yet' };
    this.wasReady = true;
    return { ready: true };
  }
}
