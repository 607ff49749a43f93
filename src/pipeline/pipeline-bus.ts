/**
 * The typed face of the Nest event emitter: stages emit with PipelineBus and listen with
 * @OnPipelineEvent, and the compiler checks each payload against PipelineEvents (pipeline.events.ts).
 * Plain EventEmitter2 and @OnEvent are for this file only (eslint.config.js restricts them), so a stage
 * cannot send a payload that its listeners do not expect.
 */
import { Global, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import type { PipelineEventName, PipelineEvents } from './pipeline.events.js';

type Listener<E extends PipelineEventName> = (payload: PipelineEvents[E]) => unknown;

@Injectable()
export class PipelineBus {
  constructor(private readonly emitter: EventEmitter2) {}

  emit<E extends PipelineEventName>(name: E, payload: PipelineEvents[E]): void {
    this.emitter.emit(name, payload);
  }

  on<E extends PipelineEventName>(name: E, listener: Listener<E>): () => void {
    this.emitter.on(name, listener);
    return () => void this.emitter.off(name, listener);
  }

  once<E extends PipelineEventName>(name: E, listener: Listener<E>): void {
    this.emitter.once(name, listener);
  }
}

/**
 * @OnEvent for a pipeline event: the decorated method must accept that event's payload (a method that
 * takes another event's payload, or a narrower type, is a compile error).
 */
export function OnPipelineEvent<E extends PipelineEventName>(name: E) {
  return <L extends Listener<E>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<L>): void => {
    OnEvent(name)(target, key, descriptor);
  };
}

/** EventEmitterModule plus the PipelineBus over it, for every module of the app (the root module imports it once). */
@Global()
@Module({})
export class PipelineEventsModule {
  static forRoot(): DynamicModule {
    return { module: PipelineEventsModule, imports: [EventEmitterModule.forRoot()], providers: [PipelineBus], exports: [PipelineBus] };
  }
}
