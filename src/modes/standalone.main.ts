/**
 * `serval standalone`: file provider -> translator -> router, all in this process, no Kubernetes. The
 * router admin API (127.0.0.1:9901 by default) serves GET /config, /routes, /metrics plus GET /status and
 * POST /reload. `--demo-backend` starts the echo servers the examples route to.
 */
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino, type Logger } from 'pino';
import { collectDefaultMetrics, register, type Registry } from 'prom-client';
import { SettingsModule } from '../config/settings.module.js';
import type { Settings } from '../config/settings.schema.js';
import { adminFastifyAdapter } from '../process/admin-http.js';
import { exitOnSignals } from '../process/exit-on-signals.js';
import { pinoLoggerModule, usePinoLogs } from '../process/pino-logger.module.js';
import { CONFIG_PUBLISHED } from '../pipeline/pipeline.events.js';
import { PipelineBus, PipelineEventsModule } from '../pipeline/pipeline-bus.js';
import { PipelineState } from '../pipeline/pipeline-state.js';
import { adminExposureProblem } from '../process/admin-security.js';
import { RouterAdminModule } from '../router/admin/router-admin.module.js';
import type { ConfigApplier } from '../router/workers/config-applier.js';
import { InProcessRouter } from '../router/workers/in-process-router.js';
import { TranslatorModule } from '../translator/translator.module.js';
import { DEMO_BACKENDS, startDemoBackend, type DemoBackend } from './standalone/demo-backend.js';
import { FileResourceProvider } from '../providers/files/file-resource.provider.js';
import { StandaloneModule } from './standalone/standalone.module.js';
import { tryCommands } from './standalone/try-urls.js';

@Module({})
class StandaloneAppModule {
  static forRoot(settings: Settings, router: ConfigApplier, logger: Logger): DynamicModule {
    return {
      module: StandaloneAppModule,
      imports: [
        SettingsModule.forRoot(settings),
        pinoLoggerModule(logger),
        PipelineEventsModule.forRoot(),
        TranslatorModule,
        RouterAdminModule.forRoot(router),
        StandaloneModule.forRoot(router),
      ],
    };
  }
}

export interface StandaloneOptions {
  logger?: Logger;
  /** Router metrics registry; a fresh one by default (tests run several instances in one process). */
  registry?: Registry;
  /** Demo echo servers to start when --demo-backend is set (tests use port 0). */
  demoBackends?: readonly { name: string; port: number }[];
  /** How long start waits for the first config to go live before it returns anyway. */
  firstConfigTimeoutMs?: number;
}

export interface StandaloneHandle {
  app: NestFastifyApplication;
  router: InProcessRouter;
  /** http://address:port of the admin API. */
  adminUrl: string;
  demo: DemoBackend | undefined;
  /** The first config went live before start returned. */
  live: boolean;
  fileProblems(): ReturnType<FileResourceProvider['fileProblems']>;
  close(): Promise<void>;
}

export class StandaloneStartupError extends Error {}

export async function startStandalone(given: Settings, options: StandaloneOptions = {}): Promise<StandaloneHandle> {
  // Gateways bind 0.0.0.0 without an address pool; on one machine they are reached as 127.0.0.1.
  const settings: Settings = { ...given, gatewayPublicAddress: given.gatewayPublicAddress || '127.0.0.1' };
  const exposure = adminExposureProblem(settings);
  if (exposure) throw new StandaloneStartupError(exposure);
  const logger = options.logger ?? pino({ level: settings.logLevel });
  const demo = settings.demoBackend ? await startDemoBackend(options.demoBackends ?? DEMO_BACKENDS) : undefined;
  let router: InProcessRouter | undefined;
  let app: NestFastifyApplication | undefined;
  try {
    router = await InProcessRouter.start({ settings, logger, ...(options.registry ? { registry: options.registry } : {}) });
    const adapter = adminFastifyAdapter(settings);
    app = await NestFactory.create<NestFastifyApplication>(StandaloneAppModule.forRoot(settings, router, logger), adapter, {
      bufferLogs: true,
      abortOnError: false,
      bodyParser: false,
    });
    usePinoLogs(app, logger);
    const events = app.get(PipelineBus);
    const firstLive = new Promise<boolean>((resolve) => {
      events.once(CONFIG_PUBLISHED, () => resolve(true));
      setTimeout(() => resolve(false), options.firstConfigTimeoutMs ?? 10_000).unref();
    });
    await app.listen(settings.adminPort, settings.adminAddress);
    const live = await firstLive;
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : settings.adminPort;
    const host = settings.adminAddress.includes(':') ? `[${settings.adminAddress}]` : settings.adminAddress;
    const files = app.get(FileResourceProvider);
    const started = { app, router };
    let closing: Promise<void> | undefined;
    return {
      app,
      router,
      adminUrl: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
      demo,
      live,
      fileProblems: () => files.fileProblems(),
      close: () =>
        (closing ??= (async () => {
          await started.app.close();
          await started.router.close(settings.drainTimeout);
          await demo?.close();
        })()),
    };
  } catch (err) {
    await app?.close().catch(() => undefined);
    await router?.close(0).catch(() => undefined);
    await demo?.close();
    throw err;
  }
}

function startupBanner(settings: Settings, handle: StandaloneHandle): string {
  const state = handle.app.get(PipelineState);
  const config = state.config;
  const lines = ['', 'serval standalone is running'];
  if (handle.live && config) {
    lines.push(`  config ${config.version} is live; try:`);
    for (const cmd of tryCommands(config)) lines.push(`    ${cmd}`);
  } else {
    lines.push('  no config is live yet: see the errors above and fix the resource files (changes are picked up live)');
  }
  lines.push(`  dashboard: ${handle.adminUrl}/  (live listeners, routes, endpoint health, request rates)`);
  lines.push(`  admin API: ${handle.adminUrl}/config  /routes  /status  /metrics`);
  lines.push(`  resources: ${settings.resources}/ is watched: edit a file and the change is live`);
  if (handle.demo) lines.push(`  demo backend: ${[...handle.demo.ports].map(([n, p]) => `${n} on 127.0.0.1:${p}`).join(', ')}`);
  lines.push('');
  return lines.join('\n');
}

export async function runStandalone(settings: Settings): Promise<void> {
  const logger = pino({ level: settings.logLevel, base: { pid: process.pid, mode: 'standalone' } });
  collectDefaultMetrics();
  let handle: StandaloneHandle;
  try {
    handle = await startStandalone(settings, { logger, registry: register });
  } catch (err) {
    process.stderr.write(`serval standalone: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  process.stderr.write(`${startupBanner(settings, handle)}\n`);
  exitOnSignals(logger, { stopping: 'shutting down', stopped: 'standalone stopped', details: { drainTimeoutMs: settings.drainTimeout } }, () => handle.close());
}
