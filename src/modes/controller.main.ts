/**
 * `serval controller`: the control plane. Kubernetes informers -> translator -> push to every router
 * replica + status writer (leader only), with its own API on --address:--port. JSON logs (pino).
 * SIGTERM/SIGINT: release the lease (a follower takes over at once), stop watches, close, exit 0.
 */
import v8 from 'node:v8';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino, type Logger } from 'pino';
import { AdminModule } from '../controller-api/admin.module.js';
import { PipelineEventsModule } from '../pipeline/pipeline-bus.js';
import { exitOnSignals } from '../process/exit-on-signals.js';
import { pinoLoggerModule, usePinoLogs } from '../process/pino-logger.module.js';
import { SettingsModule } from '../config/settings.module.js';
import type { Settings } from '../config/settings.schema.js';
import { DataPlaneModule } from '../publish/http/data-plane.module.js';
import { parseServiceRef, parseUrlList } from '../publish/http/replica-targets.js';
import { K8sModule } from '../providers/kubernetes/k8s.module.js';
import { KubeApi, loadKubeConfig } from '../providers/kubernetes/kube-api.js';
import { TranslatorModule } from '../translator/translator.module.js';

/** --lean-heap: V8 grows the old generation by 30% over the live size instead of up to 4x (bench:k8s: RSS 376 -> 252 MB, CPU +~20%). */
export const LEAN_HEAP_FLAGS = '--heap-growing-percent=30';

@Module({})
class ControllerAppModule {
  static forRoot(settings: Settings, logger: Logger, kubeApi: KubeApi): DynamicModule {
    return {
      module: ControllerAppModule,
      imports: [
        SettingsModule.forRoot(settings),
        pinoLoggerModule(logger),
        PipelineEventsModule.forRoot(),
        K8sModule.forRoot(kubeApi),
        TranslatorModule,
        DataPlaneModule,
        AdminModule,
      ],
    };
  }
}

/** Flags that only this mode can check (they parse, but must also make sense together). */
export function controllerSettingsProblems(settings: Settings): string[] {
  const problems: string[] = [];
  try {
    parseUrlList(settings.dataPlaneUrl);
  } catch (err) {
    problems.push(`--data-plane-url / DATA_PLANE_URL: ${(err as Error).message}`);
  }
  try {
    parseServiceRef(settings.dataPlaneService);
  } catch (err) {
    problems.push(`--data-plane-service / DATA_PLANE_SERVICE: ${(err as Error).message}`);
  }
  if (settings.dataPlaneUrl && settings.dataPlaneService) problems.push('set either --data-plane-url or --data-plane-service, not both');
  return problems;
}

export interface ControllerHandle {
  app: NestFastifyApplication;
  /** http://address:port of the controller API. */
  url: string;
  close(): Promise<void>;
}

/** Starts the controller and returns once its API listens (tests and runController). */
export async function startController(settings: Settings, logger: Logger = pino({ level: settings.logLevel })): Promise<ControllerHandle> {
  const problems = controllerSettingsProblems(settings);
  if (problems.length) throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  const kubeApi = new KubeApi(loadKubeConfig(settings.kubeconfig));
  const app = await NestFactory.create<NestFastifyApplication>(ControllerAppModule.forRoot(settings, logger, kubeApi), new FastifyAdapter(), {
    bufferLogs: true,
    abortOnError: false,
  });
  usePinoLogs(app, logger);
  await app.listen(settings.controllerPort, settings.controllerAddress);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : settings.controllerPort;
  const host = settings.controllerAddress.includes(':') ? `[${settings.controllerAddress}]` : settings.controllerAddress;
  let closing: Promise<void> | undefined;
  return { app, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, close: () => (closing ??= app.close().finally(() => kubeApi.close())) };
}

export async function runController(settings: Settings): Promise<void> {
  // The controller's work per change is small once translations are memoized, and it shares a node with
  // everything else: measured with 5,000 routes, the default heap grew to ~3x its live size between
  // collections. Set before anything big is allocated.
  if (settings.leanHeap) v8.setFlagsFromString(LEAN_HEAP_FLAGS);
  const logger = pino({ level: settings.logLevel, base: { pid: process.pid, mode: 'controller' } });
  let handle: ControllerHandle;
  try {
    handle = await startController(settings, logger);
  } catch (err) {
    process.stderr.write(`serval controller: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  logger.info({ api: handle.url }, 'controller started');
  exitOnSignals(logger, { stopping: 'shutting down: releasing the lease, stopping watches', stopped: 'controller stopped' }, () => handle.close());
}
