/**
 * The publisher stage of standalone mode: each translated config goes live in the router running in
 * this process. A config the router refuses (a port in use, say) is logged; the previous one keeps serving.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { OnPipelineEvent, PipelineBus } from '../../pipeline/pipeline-bus.js';
import { CONFIG_APPLIER } from '../../router/admin/admin.tokens.js';
import type { ConfigApplier } from '../../router/workers/config-applier.js';
import {
  CONFIG_PUBLISHED,
  CONFIG_TRANSLATED,
  LEADERSHIP_CHANGED,
  type ConfigTranslatedEvent,
} from '../../pipeline/pipeline.events.js';

@Injectable()
export class InProcessPublisher implements OnApplicationBootstrap {
  private readonly log = new Logger('Publisher');

  constructor(
    @Inject(CONFIG_APPLIER) private readonly router: ConfigApplier,
    private readonly events: PipelineBus,
    private readonly eventsReady: EventEmitterReadinessWatcher,
  ) {}

  /** One process, one "replica": it leads by definition (statuses are its to report). */
  async onApplicationBootstrap(): Promise<void> {
    await this.eventsReady.waitUntilReady();
    this.events.emit(LEADERSHIP_CHANGED, { leader: true, identity: 'standalone' });
  }

  @OnPipelineEvent(CONFIG_TRANSLATED)
  async onConfigTranslated(event: ConfigTranslatedEvent): Promise<void> {
    try {
      const result = await this.router.apply(event.config);
      if (result.changed) this.log.log(`config ${result.version} is live`);
      this.events.emit(CONFIG_PUBLISHED, { version: result.version, replicas: [] });
    } catch (err) {
      this.log.error(`config ${event.config.version} refused by the router (the previous config keeps serving): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
