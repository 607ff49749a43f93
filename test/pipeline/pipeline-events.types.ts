/**
 * Type-level checks of the pipeline's event map, compiled by `npm run lint` (tsc --noEmit): each
 * @ts-expect-error line must fail to compile, or tsc reports the directive as unused.
 */
import { EventEmitter2 } from '@nestjs/event-emitter';
import { OnPipelineEvent, PipelineBus } from '../../src/pipeline/pipeline-bus.js';
import {
  CONFIG_PUBLISHED,
  CONFIG_TRANSLATED,
  LEADERSHIP_CHANGED,
  RELOAD_REQUESTED,
  type ConfigPublishedEvent,
  type ConfigTranslatedEvent,
} from '../../src/pipeline/pipeline.events.js';

const bus = new PipelineBus(new EventEmitter2());

bus.emit(CONFIG_PUBLISHED, { version: 'v1', replicas: [] });
bus.emit(RELOAD_REQUESTED, {});
// @ts-expect-error: another event's payload
bus.emit(CONFIG_PUBLISHED, { leader: true, identity: 'x' });
// @ts-expect-error: a field missing
bus.emit(LEADERSHIP_CHANGED, { leader: true });
// @ts-expect-error: no such event
bus.emit('config.translatd', { version: 'v1', replicas: [] });
// @ts-expect-error: reload carries nothing
bus.emit(RELOAD_REQUESTED, { force: true });

bus.on(CONFIG_PUBLISHED, (e) => e.version.length);
// @ts-expect-error: the payload has no such field
bus.on(CONFIG_PUBLISHED, (e) => e.leader);

export class Listeners {
  @OnPipelineEvent(CONFIG_TRANSLATED)
  translated(_event: ConfigTranslatedEvent): void {}

  @OnPipelineEvent(CONFIG_PUBLISHED)
  noPayloadNeeded(): void {}

  @OnPipelineEvent(CONFIG_PUBLISHED)
  async asyncListener(_event: { version: string }): Promise<void> {}

  // @ts-expect-error: listens to one event with another's payload type
  @OnPipelineEvent(CONFIG_TRANSLATED)
  wrongPayload(_event: ConfigPublishedEvent): void {}
}
