/** nestjs-pino wiring shared by every mode's Nest app: JSON logs, no bodies or auth headers. */
import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LoggerModule, Logger as NestPinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';

/** Probes and scrapes are frequent and boring: not logged per request. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function pinoLoggerModule(logger: Logger): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: { logger },
    // No per-request middleware. Under the Fastify adapter it never ran here (admin requests went
    // unlogged), and where it does run it enters an AsyncLocalStorage per request, whose first run()
    // switches on async hooks for the whole process: in the router with one worker and in standalone
    // mode every proxied request would pay for them (+4-15% CPU per request when measured side by
    // side). Requests are logged by a Fastify hook instead (usePinoLogs).
    forRoutes: [],
  });
}

/** Nest's own logs through pino, and one line per request: method, URL and status only (never headers or bodies). */
export function usePinoLogs(app: NestFastifyApplication, logger: Logger): void {
  app.useLogger(app.get(NestPinoLogger));
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (req, reply, done) => {
      const url = req.raw.url ?? '';
      if (!(req.method === 'GET' && QUIET_PATHS.has(url.split('?')[0]!))) {
        logger.info({ req: { method: req.method, url }, res: { statusCode: reply.statusCode }, responseTime: Math.round(reply.elapsedTime) }, 'request completed');
      }
      done();
    });
}
