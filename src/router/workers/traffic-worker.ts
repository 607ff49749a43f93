/**
 * The body of one traffic worker (a node:cluster worker): one RouterEngine, its request metrics and
 * access log, driven by the primary over IPC. Listening sockets are shared through the primary, so
 * every worker binds the same listeners.
 */
import type { Settings } from '../../config/settings.schema.js';
import { createAccessLog, requestObserver } from '../metrics/access-log.js';
import { createProcessRegistry } from '../metrics/process-registry.js';
import { InternalErrors } from '../metrics/internal-errors.js';
import { RequestMetrics } from '../metrics/request-metrics.js';
import type { RouterConfig } from '../../contract/router-config.schema.js';
import { applyDeltaToCopy, describeError } from './config-applier.js';
import { createRouterEngine, engineOptions } from './engine-port.js';
import { isPrimaryMessage, type DrainCommand, type PrimaryRequest, type WorkerMessage } from './ipc-messages.js';
import { createProcessLogger } from './process-logger.js';

function send(message: WorkerMessage): void {
  process.send?.(message);
}

export async function runTrafficWorker(settings: Settings): Promise<void> {
  const logger = createProcessLogger(settings, { role: 'worker' });
  const registry = createProcessRegistry();
  const metrics = new RequestMetrics(registry);
  const accessLog = settings.accessLog ? createAccessLog(logger, settings.accessLogSample) : undefined;
  const internalErrors = new InternalErrors(registry, logger);
  const engine = createRouterEngine(engineOptions(settings, requestObserver(metrics.observe, accessLog), internalErrors.report));
  let draining = false;

  // The primary decides when to stop: a Ctrl-C reaches the whole process group, and a worker that
  // died on it would drop requests the primary is about to drain.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);

  async function apply(id: number, build: () => RouterConfig): Promise<void> {
    let config: RouterConfig;
    try {
      config = build();
      await engine.apply(config);
    } catch (err) {
      send({ type: 'serval:applied', id, ok: false, ...describeError(err) });
      return;
    }
    send({ type: 'serval:applied', id, ok: true });
    metrics.configChanged(config);
  }

  async function handle(message: PrimaryRequest | DrainCommand): Promise<void> {
    switch (message.type) {
      case 'serval:apply':
        return apply(message.id, () => message.config);
      case 'serval:apply-delta':
        // On this worker's own copy, so its unchanged pieces keep their compiled forms.
        return apply(message.id, () => applyDeltaToCopy(engine.config, message.delta));
      case 'serval:health':
        send({ type: 'serval:health', id: message.id, endpoints: engine.endpointHealth() });
        return;
      case 'serval:metrics':
        send({ type: 'serval:metrics', id: message.id, metrics: await registry.getMetricsAsJSON() });
        return;
      case 'serval:drain':
        if (draining) return;
        draining = true;
        await engine.close(message.drainMs);
        logger.debug('drained');
        process.exit(0);
    }
  }

  process.on('message', (message: unknown) => {
    if (!isPrimaryMessage(message)) return;
    handle(message as PrimaryRequest | DrainCommand).catch((err: unknown) => {
      logger.error({ err }, 'worker failed to handle a primary message');
    });
  });
  send({ type: 'serval:ready' });
}
