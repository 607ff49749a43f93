/**
 * Builds and starts the admin API as its own Nest application on Fastify: body limit (413), JSON
 * only (415), client timeouts (admin-http.ts), JSON logs through nestjs-pino that never carry bodies or the Authorization header.
 */
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { SettingsModule } from '../../config/settings.module.js';
import type { Settings } from '../../config/settings.schema.js';
import type { ConfigApplier } from '../workers/config-applier.js';
import { adminFastifyAdapter } from '../../process/admin-http.js';
import { pinoLoggerModule, usePinoLogs } from '../../process/pino-logger.module.js';
import { RouterAdminModule } from './router-admin.module.js';

@Module({})
class RouterAdminAppModule {
  static forRoot(settings: Settings, applier: ConfigApplier, logger: Logger): DynamicModule {
    return {
      module: RouterAdminAppModule,
      imports: [
        SettingsModule.forRoot(settings),
        pinoLoggerModule(logger),
        RouterAdminModule.forRoot(applier),
      ],
    };
  }
}

export interface AdminListen {
  address: string;
  port: number;
}

export async function startRouterAdmin(settings: Settings, applier: ConfigApplier, logger: Logger, listen: AdminListen): Promise<NestFastifyApplication> {
  const adapter = adminFastifyAdapter(settings);
  const app = await NestFactory.create<NestFastifyApplication>(RouterAdminAppModule.forRoot(settings, applier, logger), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // Fastify's own JSON parser only: no urlencoded parser, so a form body is a 415 like any non-JSON.
    bodyParser: false,
  });
  usePinoLogs(app, logger);
  await app.listen(listen.port, listen.address);
  return app;
}
