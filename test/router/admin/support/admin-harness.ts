/** The admin API in-process on 127.0.0.1:0 over an InProcessRouter, as the router wires it. */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { loadSettings } from '../../../../src/config/load-settings.js';
import { startRouterAdmin } from '../../../../src/router/admin/router-admin.app.js';
import { InProcessRouter } from '../../../../src/router/workers/in-process-router.js';

export interface AdminHarness {
  url: string;
  router: InProcessRouter;
  app: NestFastifyApplication;
  close(): Promise<void>;
}

export async function startAdminHarness(flags: string[] = []): Promise<AdminHarness> {
  const settings = loadSettings('router', flags, {});
  const logger = pino({ level: 'silent' });
  const router = await InProcessRouter.start({ settings, logger });
  const app = await startRouterAdmin(settings, router, logger, { address: '127.0.0.1', port: 0 });
  const address = app.getHttpServer().address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    router,
    app,
    close: async () => {
      await app.close();
      await router.close(1000);
    },
  };
}
