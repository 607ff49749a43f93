/** The real router in this process (RouterEngine under InProcessRouter) with its admin API on 127.0.0.1:0. */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { loadSettings } from '../../../../src/config/load-settings.js';
import type { RouterConfig } from '../../../../src/contract/router-config.schema.js';
import { startRouterAdmin } from '../../../../src/router/admin/router-admin.app.js';
import { InProcessRouter } from '../../../../src/router/workers/in-process-router.js';

export const TOKEN = 'dashboard-test-token-0123456789';
export const AUTH = { authorization: `Bearer ${TOKEN}` };

export interface RunningRouter {
  adminUrl: string;
  router: InProcessRouter;
  /** PUT /config with the token; returns the version now live. */
  push(config: RouterConfig): Promise<string>;
  close(): Promise<void>;
}

export async function startRouter(flags: string[] = ['--admin-token', TOKEN]): Promise<RunningRouter> {
  const settings = loadSettings('router', [...flags, '--ejection-time', '60000'], {});
  const logger = pino({ level: 'silent' });
  const router = await InProcessRouter.start({ settings, logger });
  const app: NestFastifyApplication = await startRouterAdmin(settings, router, logger, { address: '127.0.0.1', port: 0 });
  const { port } = app.getHttpServer().address() as { port: number };
  const adminUrl = `http://127.0.0.1:${port}`;
  return {
    adminUrl,
    router,
    async push(config) {
      const res = await fetch(`${adminUrl}/config`, { method: 'PUT', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify(config) });
      const body = (await res.json()) as { version?: string };
      if (res.status !== 200 || !body.version) throw new Error(`PUT /config answered ${res.status}: ${JSON.stringify(body)}`);
      return body.version;
    },
    async close() {
      await app.close();
      await router.close(1000);
    },
  };
}

/** GET through the router's listener with a Host header; resolves with the status. */
export async function hit(port: number, path: string, host = 'shop.example'): Promise<number> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out')));
    req.end();
  });
}
