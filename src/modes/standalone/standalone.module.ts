/**
 * StandaloneModule: the file provider, the in-process publisher, the status log and the admin additions.
 * Needs SettingsModule, EventEmitterModule and RouterAdminModule (CONFIG_APPLIER) from the root module.
 */
import { Module, type DynamicModule } from '@nestjs/common';
import { CONFIG_APPLIER } from '../../router/admin/admin.tokens.js';
import type { ConfigApplier } from '../../router/workers/config-applier.js';
import { PipelineState } from '../../pipeline/pipeline-state.js';
import { FileResourceProvider } from '../../providers/files/file-resource.provider.js';
import { InProcessPublisher } from '../../publish/in-process/in-process-publisher.service.js';
import { StandaloneController } from './standalone.controller.js';
import { StatusLog } from '../../status/log/status-log.js';

@Module({})
export class StandaloneModule {
  /** `router`: the in-process router the publisher puts configs live in. */
  static forRoot(router: ConfigApplier): DynamicModule {
    return {
      module: StandaloneModule,
      controllers: [StandaloneController],
      providers: [{ provide: CONFIG_APPLIER, useValue: router }, FileResourceProvider, InProcessPublisher, StatusLog, PipelineState],
      exports: [FileResourceProvider, PipelineState],
    };
  }
}
