// serval on a test cluster, the way production runs it: the RBAC from deploy/,
// `serval controller` under its ServiceAccount token (not admin), one
// `serval router` that binds each Gateway's own loopback address, and the
// GatewayClass `serval` Accepted. Used by the conformance run and the
// propagation benchmark.
import * as k8s from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Cluster } from '../k8s/harness/cluster.js';
import { repoRoot } from '../k8s/harness/paths.js';
import { startProcess, type ManagedProcess } from '../k8s/harness/processes.js';
import { writeServiceAccountKubeconfig } from '../k8s/harness/serviceaccount.js';
import { FatalError, freePort, waitFor } from '../k8s/harness/wait.js';
import { applyDeployRbac } from './deploy-rbac.js';

export const GATEWAY_CLASS = 'serval';
export const CONTROLLER_NAMESPACE = 'serval-system';
export const CONTROLLER_SERVICE_ACCOUNT = 'serval-gateway';

/** 127.0.<third>.<from..to>: loopback addresses handed out to Gateways (root may bind :80 on them). */
export function loopbackPool(third = 10, from = 1, to = 40): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `127.0.${third}.${from + i}`);
}

export interface StackOptions {
  /** Where router.log and controller.log go. */
  logDir: string;
  gatewayAddresses?: string[];
  /** Router traffic workers; default the router's own default (CPU count). */
  routerWorkers?: number;
  /** Extra env for both processes (e.g. LOG_LEVEL). */
  env?: NodeJS.ProcessEnv;
  /** Node options for the controller process only (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  controllerNodeArgs?: string[];
  /** Node options for the router (its traffic workers inherit them). */
  routerNodeArgs?: string[];
}

export interface ServalStack {
  router: ManagedProcess;
  controller: ManagedProcess;
  routerAdminUrl: string;
  controllerUrl: string;
  adminToken: string;
  gatewayAddresses: string[];
  /** Kubeconfig of the controller's ServiceAccount. */
  controllerKubeconfig: string;
  stop(): Promise<void>;
}

export async function startServalStack(cluster: Cluster, opts: StackOptions): Promise<ServalStack> {
  await applyDeployRbac(cluster.kubeConfig, repoRoot);
  // Long-lived token: a full conformance run takes longer than the default hour.
  const controllerKubeconfig = await writeServiceAccountKubeconfig(cluster, {
    namespace: CONTROLLER_NAMESPACE,
    name: CONTROLLER_SERVICE_ACCOUNT,
    create: false,
    expirationSeconds: 6 * 3600,
  });
  const adminToken = randomBytes(24).toString('hex');
  const gatewayAddresses = opts.gatewayAddresses ?? loopbackPool();
  const [adminPort, controllerPort] = await Promise.all([freePort(), freePort()]);
  const env = { ...process.env, ...opts.env, ADMIN_TOKEN: adminToken };
  const main = join(repoRoot, 'dist/main.js');
  const started: ManagedProcess[] = [];
  const stop = async () => {
    for (const p of [...started].reverse()) await p.stop(10_000);
  };

  try {
    const router = startProcess({
      name: 'serval-router',
      command: process.execPath,
      args: [...(opts.routerNodeArgs ?? []), main, 'router', '--admin-address=127.0.0.1', `--admin-port=${adminPort}`, ...(opts.routerWorkers ? [`--workers=${opts.routerWorkers}`] : [])],
      logFile: join(opts.logDir, 'router.log'),
      env,
      cwd: repoRoot,
    });
    started.push(router);
    const routerAdminUrl = `http://127.0.0.1:${adminPort}`;
    await waitFor('router admin API', async () => {
      if (!router.isRunning()) throw new FatalError(`serval router exited:\n${router.tail(30)}`);
      return (await fetch(`${routerAdminUrl}/healthz`)).status < 500;
    }, 60_000, 200);

    const controller = startProcess({
      name: 'serval-controller',
      command: process.execPath,
      args: [
        ...(opts.controllerNodeArgs ?? []),
        main,
        'controller',
        `--kubeconfig=${controllerKubeconfig}`,
        `--data-plane-url=${routerAdminUrl}`,
        '--address=127.0.0.1',
        `--port=${controllerPort}`,
        `--lease-namespace=${CONTROLLER_NAMESPACE}`,
        `--gateway-addresses=${gatewayAddresses.join(',')}`,
      ],
      logFile: join(opts.logDir, 'controller.log'),
      env,
      cwd: repoRoot,
    });
    started.push(controller);
    const controllerUrl = `http://127.0.0.1:${controllerPort}`;

    const custom = cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    await waitFor(`GatewayClass ${GATEWAY_CLASS} Accepted`, async () => {
      if (!controller.isRunning()) throw new FatalError(`serval controller exited:\n${controller.tail(30)}`);
      const gc = (await custom.getClusterCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses', name: GATEWAY_CLASS })) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      return gc.status?.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True');
    }, 120_000, 250);

    return { router, controller, routerAdminUrl, controllerUrl, adminToken, gatewayAddresses, controllerKubeconfig, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** GatewayClass status.supportedFeatures, as the suite would infer them. */
export async function claimedFeatures(kc: k8s.KubeConfig): Promise<string[]> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const gc = (await custom.getClusterCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses', name: GATEWAY_CLASS })) as {
    status?: { supportedFeatures?: { name: string }[] };
  };
  return (gc.status?.supportedFeatures ?? []).map((f) => f.name);
}
