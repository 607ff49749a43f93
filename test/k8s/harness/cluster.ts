// startCluster(): a real, RBAC-enforcing Kubernetes control plane on
// 127.0.0.1 (etcd + kube-apiserver + kube-controller-manager), with the
// pinned Gateway API CRDs installed and, by default, the test kubelet.
import * as k8s from '@kubernetes/client-node';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installGatewayApiCrds } from './crds.js';
import { httpsGet } from './https.js';
import { startKubelet, type Kubelet } from './kubelet.js';
import { writeKubeconfig } from './kubeconfig.js';
import { binaryPath, ensureBinaries, pinnedVersions, type CrdChannel, type PinnedVersions } from './paths.js';
import { writeServiceAccountKeys, writeTokenFile } from './pki.js';
import { startProcess, type ManagedProcess } from './processes.js';
import { FatalError, freePort, waitFor } from './wait.js';

export interface ClusterOptions {
  /** Gateway API CRD channel; experimental is a superset of standard. Env SERVAL_K8S_CRD_CHANNEL. Default experimental. */
  crdChannel?: CrdChannel;
  /** Start the test kubelet (Node + Pods as local processes). Default true. */
  kubelet?: boolean;
  /** Keep the temp dir (logs, kubeconfigs) after stop(). Env SERVAL_K8S_KEEP=1. */
  keepDir?: boolean;
}

export interface Cluster {
  /** Temp dir holding certs, logs (*.log) and kubeconfigs. */
  dir: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** PEM bundle the apiserver's self-signed serving cert chains to. */
  caFile: string;
  /** system:masters bearer token. */
  adminToken: string;
  /** Admin kubeconfig file (also usable by kubectl and the conformance suite). */
  kubeconfigPath: string;
  /** client-node config loaded from kubeconfigPath. */
  kubeConfig: k8s.KubeConfig;
  versions: PinnedVersions;
  crdChannel: CrdChannel;
  kubelet?: Kubelet;
  processes: ManagedProcess[];
  /** Tail of every component's log, for failure messages. */
  logTails(lines?: number): string;
  stop(): Promise<void>;
}

const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
const DIR_PREFIX = 'serval-k8s-';

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  ensureBinaries();
  removeStaleDirs();
  const versions = pinnedVersions();
  const crdChannel = opts.crdChannel ?? ((process.env.SERVAL_K8S_CRD_CHANNEL as CrdChannel | undefined) || 'experimental');
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  const processes: ManagedProcess[] = [];
  let kubelet: Kubelet | undefined;

  const logTails = (lines = 30) =>
    processes.map((p) => `----- ${p.name} (${p.logFile}) -----\n${p.tail(lines)}`).join('\n');
  const stopAll = async (keepDir: boolean) => {
    await kubelet?.stop();
    // Reverse order: controllers before the apiserver before etcd.
    for (const p of [...processes].reverse()) await p.stop();
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
  };
  const stop = () => stopAll(opts.keepDir ?? process.env.SERVAL_K8S_KEEP === '1');

  try {
    // --- etcd ---------------------------------------------------------------
    const [etcdPort, etcdPeerPort, apiPort, kcmPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = startProcess({
      name: 'etcd',
      command: binaryPath('etcd'),
      args: [
        '--name=serval',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=serval=http://127.0.0.1:${etcdPeerPort}`,
        // Throwaway data: skip fsync, it only slows tests down.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      logFile: join(dir, 'etcd.log'),
    });
    processes.push(etcd);
    await waitFor('etcd /health', async () => {
      assertRunning(etcd);
      const res = await fetch(`${etcdUrl}/health`);
      return res.ok;
    }, 30_000);

    // --- kube-apiserver ----------------------------------------------------------
    const certDir = join(dir, 'apiserver-certs');
    mkdirSync(certDir);
    const saKeys = writeServiceAccountKeys(dir);
    const tokens = writeTokenFile(dir);
    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = startProcess({
      name: 'kube-apiserver',
      command: binaryPath('kube-apiserver'),
      args: [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        // No --tls-cert-file: the apiserver writes a self-signed CA + cert here.
        `--cert-dir=${certDir}`,
        `--token-auth-file=${tokens.file}`,
        '--authorization-mode=Node,RBAC',
        `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
        `--service-account-key-file=${saKeys.publicKeyFile}`,
        `--service-account-signing-key-file=${saKeys.privateKeyFile}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        // The "kubernetes" Service would get 127.0.0.1 as endpoint, which
        // endpoint validation rejects; nothing in the test cluster needs it.
        '--endpoint-reconciler-type=none',
        '--allow-privileged=true',
        '--v=1',
      ],
      logFile: join(dir, 'kube-apiserver.log'),
    });
    processes.push(apiserver);
    const caFile = join(certDir, 'apiserver.crt');
    await waitFor('kube-apiserver /readyz', async () => {
      assertRunning(apiserver);
      if (!existsSync(caFile)) return false;
      const res = await httpsGet(`${server}/readyz`, { ca: readFileSync(caFile), token: tokens.admin.token });
      return res.status === 200;
    }, 90_000, 250);

    const kubeconfigPath = writeKubeconfig(join(dir, 'admin.kubeconfig'), { server, caFile, user: 'admin', token: tokens.admin.token });
    const kcmKubeconfig = writeKubeconfig(join(dir, 'kube-controller-manager.kubeconfig'), {
      server,
      caFile,
      user: 'kube-controller-manager',
      token: tokens.controllerManager.token,
    });
    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);

    // --- kube-controller-manager -------------------------------------------------
    const kcmCertDir = join(dir, 'kcm-certs');
    mkdirSync(kcmCertDir);
    const kcm = startProcess({
      name: 'kube-controller-manager',
      command: binaryPath('kube-controller-manager'),
      args: [
        `--kubeconfig=${kcmKubeconfig}`,
        `--authentication-kubeconfig=${kcmKubeconfig}`,
        `--authorization-kubeconfig=${kcmKubeconfig}`,
        // There is no client CA / front proxy, so the apiserver never publishes
        // kube-system/extension-apiserver-authentication; do not poll for it.
        '--authentication-skip-lookup=true',
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        `--cert-dir=${kcmCertDir}`,
        '--leader-elect=false',
        // Only what Deployments -> Pods -> EndpointSlices and namespace/SA
        // housekeeping need (no node lifecycle: our kubelet does not heartbeat).
        '--controllers=' +
          [
            'deployment-controller',
            'replicaset-controller',
            'endpointslice-controller',
            'serviceaccount-controller',
            'serviceaccount-token-controller',
            'namespace-controller',
            'garbage-collector-controller',
            'root-ca-certificate-publisher-controller',
            'clusterrole-aggregation-controller',
          ].join(','),
        `--root-ca-file=${caFile}`,
        `--service-account-private-key-file=${saKeys.privateKeyFile}`,
        // Each controller acts under its own ServiceAccount, as in real clusters.
        '--use-service-account-credentials',
        '--v=1',
      ],
      logFile: join(dir, 'kube-controller-manager.log'),
    });
    processes.push(kcm);

    // --- Gateway API CRDs ---------------------------------------------------------
    await installGatewayApiCrds(kubeConfig, crdChannel);

    // The serviceaccount controller creating "default" means KCM is up and
    // Pods can pass ServiceAccount admission.
    const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
    await waitFor('ServiceAccount default/default (kube-controller-manager running)', async () => {
      assertRunning(kcm);
      return core.readNamespacedServiceAccount({ namespace: 'default', name: 'default' });
    }, 60_000, 200);

    if (opts.kubelet ?? true) {
      kubelet = await startKubelet({ kubeConfig, logFile: join(dir, 'kubelet.log'), dir: join(dir, 'kubelet') });
    }

    return { dir, server, caFile, adminToken: tokens.admin.token, kubeconfigPath, kubeConfig, versions, crdChannel, kubelet, processes, logTails, stop };
  } catch (err) {
    const tails = logTails();
    // Keep the logs of a failed start around for post-mortem.
    await stopAll(true).catch(() => {});
    throw new Error(`startCluster failed: ${(err as Error).message}\n(dir ${dir})\n${tails}`, { cause: err });
  }
}

function assertRunning(p: ManagedProcess): void {
  if (!p.isRunning()) throw new FatalError(`${p.name} exited early; log tail:\n${p.tail(30)}`);
}

/** Temp dirs of earlier runs whose test process is gone (their children died with it via pdeathsig). */
function removeStaleDirs(): void {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(DIR_PREFIX))) {
    const dir = join(tmpdir(), name);
    try {
      const owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
      if (owner && isAlive(owner)) continue;
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // no owner file yet (another run is just starting) or already removed
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
