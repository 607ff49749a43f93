/**
 * `serval router`: the data plane process. The cluster primary owns the config and serves the admin
 * API; traffic workers (node:cluster) each run a RouterEngine on the shared listeners (with
 * --workers 1 the primary runs the engine itself).
 * SIGTERM/SIGINT: readiness turns 503, listeners stop accepting, in-flight requests get
 * --drain-timeout to finish, then the process exits 0.
 */
import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Settings } from '../config/settings.schema.js';
import type { RouterConfig } from '../contract/router-config.schema.js';
import { ConfigValidationError, parseAnyConfig, parseConfigDelta, parseRouterConfig } from '../contract/validate-config.js';
import { adminExposureProblem } from '../process/admin-security.js';
import type { Logger } from 'pino';
import type { ConfigApplier } from '../router/workers/config-applier.js';
import { createProcessLogger } from '../router/workers/process-logger.js';
import { exitOnSignals } from '../process/exit-on-signals.js';

/** Startup problems the operator must fix: printed plainly, exit code 2 like a bad flag. */
class StartupError extends Error {}

async function readConfigFile(path: string, settings: Settings): Promise<RouterConfig> {
  let body: unknown;
  try {
    body = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new StartupError(`--config ${path}: ${(err as Error).message}`);
  }
  try {
    return parseAnyConfig(body, { address: settings.simpleListenAddress, port: settings.simpleListenPort });
  } catch (err) {
    if (err instanceof ConfigValidationError) throw new StartupError(`--config ${path}: ${err.message}`);
    throw err;
  }
}

export async function runRouter(settings: Settings): Promise<void> {
  // Each role loads only its own stack: workers never load Nest, the primary never loads the proxy engine.
  if (cluster.isWorker) return (await import('../router/workers/traffic-worker.js')).runTrafficWorker(settings);
  try {
    await runPrimary(settings);
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    process.stderr.write(`serval router: ${err.message}\n`);
    process.exit(2);
  }
}

/**
 * One worker serves traffic in this process: a second process would only add its memory (a whole
 * Node heap) and an IPC hop to every config swap. More workers fork node:cluster traffic workers.
 */
async function startTraffic(settings: Settings, workers: number, logger: Logger): Promise<ConfigApplier> {
  if (workers === 1) {
    const { InProcessRouter } = await import('../router/workers/in-process-router.js');
    return InProcessRouter.start({ settings, logger });
  }
  const { WorkerPool } = await import('../router/workers/worker-pool.js');
  return WorkerPool.start({ workers, logger, applyTimeoutMs: settings.workerApplyTimeout });
}

function warmUpValidators(): void {
  parseRouterConfig({ listeners: [], pools: [] });
  const pool = { name: 'warm-up', endpoints: [] };
  const virtualHost = { name: 'warm-up', hostnames: [], routes: [{ name: 'warm-up', match: {}, backends: [{ pool: 'warm-up', weight: 1 }] }] };
  const base = { version: 'warm-up', listeners: [{ name: 'warm-up', port: 1, protocol: 'HTTP' as const, virtualHosts: [] }], pools: [] };
  try {
    parseConfigDelta(base, { baseVersion: 'warm-up', version: 'warm-up', virtualHosts: [{ listener: 'warm-up', virtualHost }], pools: [pool] });
  } catch {
    // The claimed version is wrong on purpose: the checkers are compiled by then.
  }
}

async function runPrimary(settings: Settings): Promise<void> {
  const exposure = adminExposureProblem(settings);
  if (exposure) throw new StartupError(exposure);
  const logger = createProcessLogger(settings, { role: 'primary' });
  const initial = settings.configFile ? await readConfigFile(settings.configFile, settings) : undefined;
  // Compile the validators now (they are compiled on first use) so the first push does not pay for them.
  warmUpValidators();

  const workers = settings.workers ?? availableParallelism();
  const { startRouterAdmin } = await import('../router/admin/router-admin.app.js');
  const pool = await startTraffic(settings, workers, logger);
  if (initial) {
    try {
      await pool.apply(initial);
    } catch (err) {
      await pool.close(0);
      throw new StartupError(`--config ${settings.configFile}: ${(err as Error).message}`);
    }
  }
  const app = await startRouterAdmin(settings, pool, logger, { address: settings.adminAddress, port: settings.adminPort });
  logger.info({ workers, admin: `${settings.adminAddress}:${settings.adminPort}`, version: pool.current?.version ?? null }, 'router started');

  // pool.close turns readiness off at once; the admin API stays up until traffic has drained.
  exitOnSignals(
    logger,
    { stopping: 'draining: readiness off, listeners closing', stopped: 'router stopped', details: { drainTimeoutMs: settings.drainTimeout } },
    () => pool.close(settings.drainTimeout).then(() => app.close()),
  );
}
