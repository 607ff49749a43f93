/** nestjs-pino wiring shared by every mode's Nest app: JSON logs, no bodies or auth headers. */
import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';

/** Probes and scrapes are frequent and boring: not logged per request. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function pinoLoggerModule(logger: Logger): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      logger,
      autoLogging: { ignore: (req) => req.method === 'GET' && QUIET_PATHS.has((req.url ?? '').split('?')[0]) },
      // Only method, URL and status: never headers (Authorization) or bodies (TLS keys).
      serializers: {
        req: (req: { method?: string; url?: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
      redact: ['req.headers', 'req.body'],
    },
  });
}
