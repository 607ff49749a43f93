/** serval_config_info{version}: which config version the control plane translated last. */
import { Injectable } from '@nestjs/common';
import { OnPipelineEvent } from '../pipeline/pipeline-bus.js';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { CONFIG_TRANSLATED, type ConfigTranslatedEvent } from '../pipeline/pipeline.events.js';

export const CONFIG_INFO = 'serval_config_info';

@Injectable()
export class ConfigVersionMetric {
  constructor(@InjectMetric(CONFIG_INFO) private readonly gauge: Gauge<'version'>) {}

  @OnPipelineEvent(CONFIG_TRANSLATED)
  onTranslated(event: ConfigTranslatedEvent): void {
    this.gauge.reset();
    if (event.config.version) this.gauge.set({ version: event.config.version }, 1);
  }
}
