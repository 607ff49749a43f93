// The test kubelet: one Node, every Pod scheduled onto it, every container run
// as a local echo-basic process (the image is ignored; echo-basic is what the
// Gateway API conformance suite deploys) in a per-Pod network namespace.
// Pod status is reported Running/Ready with the Pod's IP so that the
// EndpointSlice controller publishes ready endpoints, as on a real node.
//
// In-process: startKubelet({ kubeConfig, dir }). Standalone:
//   scripts/k8s-kubelet.sh [kubeconfig]   (KUBECONFIG works too)
import * as k8s from '@kubernetes/client-node';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { containerEnv, materializeVolumes } from './kubelet/pod-env.js';
import { IP_BIN, PodNetwork } from './kubelet/netns.js';
import { binaryPath } from './paths.js';
import { startProcess, type ManagedProcess } from './processes.js';
import { sleep, waitFor } from './wait.js';

export interface KubeletOptions {
  kubeConfig: k8s.KubeConfig;
  /** Per-Pod directories (logs, volumes). */
  dir: string;
  /** Default "serval-node". */
  nodeName?: string;
  /** Log file; default stdout. */
  logFile?: string;
  /** Binary run for every container; default the cached echo-basic. */
  containerBinary?: string;
  /** How often Pods are listed. Default 200ms. */
  pollMs?: number;
}

export interface Kubelet {
  nodeName: string;
  /** Host address on the Pod bridge (Node InternalIP, Pods' hostIP). */
  hostIP: string;
  bridge: string;
  /** IPs of the Pods running here, by "namespace/name". */
  podIPs(): Map<string, string>;
  stop(): Promise<void>;
}

interface RunningPod {
  key: string; // namespace/name
  uid: string;
  ip?: string;
  processes: ManagedProcess[];
  restarts: Map<string, number>;
  stopping: boolean;
}

export async function startKubelet(opts: KubeletOptions): Promise<Kubelet> {
  const nodeName = opts.nodeName ?? 'serval-node';
  const binary = opts.containerBinary ?? binaryPath('echo-basic');
  const core = opts.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const log = (msg: string) => {
    const line = `${new Date().toISOString()} ${msg}\n`;
    if (opts.logFile) appendFileSync(opts.logFile, line);
    else process.stdout.write(line);
  };
  mkdirSync(opts.dir, { recursive: true });

  const network = await PodNetwork.create();
  log(`pod network: bridge ${network.bridge}, host ${network.hostIP}/24`);
  await registerNode(core, nodeName, network.hostIP);
  log(`registered node ${nodeName}`);

  const pods = new Map<string, RunningPod>(); // by UID
  const backoff = new Set<string>(); // UIDs waiting to retry a failed start
  let stopped = false;

  async function syncOnce(): Promise<void> {
    const list = await core.listPodForAllNamespaces();
    const seen = new Set<string>();
    for (const pod of list.items) {
      const uid = pod.metadata!.uid!;
      const key = `${pod.metadata!.namespace}/${pod.metadata!.name}`;
      if (!pod.spec!.nodeName) {
        if (!pod.metadata!.deletionTimestamp) await bind(pod, key);
        continue;
      }
      if (pod.spec!.nodeName !== nodeName) continue;
      seen.add(uid);
      if (pod.metadata!.deletionTimestamp) {
        void terminate(pod, key);
      } else if (!pods.has(uid) && !backoff.has(uid) && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
        const running: RunningPod = { key, uid, processes: [], restarts: new Map(), stopping: false };
        pods.set(uid, running);
        startPod(pod, running).catch(async (err) => {
          // E.g. a Secret volume whose Secret is created later (the conformance
          // suite does that for tls-backend): undo and retry, like a kubelet.
          log(`pod ${key}: start failed, retrying in 1s: ${(err as Error).message}`);
          backoff.add(uid);
          await stopLocal(running);
          await sleep(1000);
          backoff.delete(uid);
        });
      }
    }
    // Force-deleted Pods (gone without a graceful phase): just clean up.
    for (const [uid, running] of pods) if (!seen.has(uid)) void stopLocal(running);
  }

  async function bind(pod: k8s.V1Pod, key: string): Promise<void> {
    const { name, namespace } = pod.metadata! as { name: string; namespace: string };
    try {
      await core.createNamespacedPodBinding({
        name,
        namespace,
        body: { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } },
      });
      log(`pod ${key}: bound to ${nodeName}`);
    } catch (err) {
      if ((err as { code?: number }).code !== 409) log(`pod ${key}: bind failed: ${(err as Error).message}`);
    }
  }

  async function startPod(pod: k8s.V1Pod, running: RunningPod): Promise<void> {
    const podDir = join(opts.dir, running.uid);
    mkdirSync(podDir, { recursive: true });
    const volumes = await materializeVolumes(core, pod, join(podDir, 'volumes'));
    const net = await network.add(running.uid);
    running.ip = net.ip;
    const info = { podIP: net.ip, hostIP: network.hostIP, nodeName };
    const containers = pod.spec!.containers;
    for (const container of containers) {
      const env = await containerEnv(core, pod, container, info, volumes);
      const launch = (): ManagedProcess => {
        const proc = startProcess({
          name: `${running.key}/${container.name}`,
          command: binary,
          args: [],
          env,
          logFile: join(podDir, `${container.name}.log`),
          wrapper: [IP_BIN, 'netns', 'exec', net.netns],
        });
        void proc.exited.then(async (code) => {
          if (running.stopping || stopped) return;
          log(`pod ${running.key}: container ${container.name} exited (${code}); restarting in 1s`);
          await sleep(1000);
          if (running.stopping || stopped) return;
          running.restarts.set(container.name, (running.restarts.get(container.name) ?? 0) + 1);
          running.processes[containers.indexOf(container)] = launch();
          await reportRunning(pod, running).catch((err) => log(`pod ${running.key}: status: ${(err as Error).message}`));
        });
        return proc;
      };
      running.processes.push(launch());
    }
    // Ready = every declared TCP containerPort accepts connections on the Pod IP.
    const ports = containers.flatMap((c) => (c.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => p.containerPort));
    for (const port of ports) {
      await waitFor(`${running.key} ${net.ip}:${port}`, () => canConnect(net.ip, port), 15_000, 50).catch((err) => log(`pod ${running.key}: ${(err as Error).message}`));
    }
    if (running.stopping) return;
    await reportRunning(pod, running);
    log(`pod ${running.key}: running at ${net.ip}`);
  }

  /** Sets phase Running, all conditions True and the IPs; retries on update conflicts. */
  async function reportRunning(pod: k8s.V1Pod, running: RunningPod): Promise<void> {
    const { name, namespace } = pod.metadata! as { name: string; namespace: string };
    for (let attempt = 0; ; attempt++) {
      const current = await core.readNamespacedPod({ name, namespace });
      if (current.metadata!.uid !== running.uid || current.metadata!.deletionTimestamp) return;
      const now = new Date();
      const condition = (type: string): k8s.V1PodCondition => ({ type, status: 'True', lastTransitionTime: now });
      current.status = {
        ...current.status,
        phase: 'Running',
        hostIP: network.hostIP,
        hostIPs: [{ ip: network.hostIP }],
        podIP: running.ip,
        podIPs: [{ ip: running.ip! }],
        startTime: current.status?.startTime ?? now,
        conditions: ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready', 'PodScheduled'].map(condition),
        containerStatuses: current.spec!.containers.map((c, i) => ({
          name: c.name,
          image: c.image ?? '',
          imageID: '',
          containerID: `serval://${running.processes[i]?.pid ?? 0}`,
          ready: true,
          started: true,
          restartCount: running.restarts.get(c.name) ?? 0,
          state: { running: { startedAt: now } },
        })),
      };
      try {
        await core.replaceNamespacedPodStatus({ name, namespace, body: current });
        return;
      } catch (err) {
        if ((err as { code?: number }).code !== 409 || attempt >= 10) throw err;
      }
    }
  }

  /** Graceful deletion: stop the processes, then confirm with a 0s delete like a kubelet does. */
  async function terminate(pod: k8s.V1Pod, key: string): Promise<void> {
    const uid = pod.metadata!.uid!;
    const running = pods.get(uid);
    if (running?.stopping) return;
    if (running) await stopLocal(running);
    try {
      await core.deleteNamespacedPod({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        body: { gracePeriodSeconds: 0, preconditions: { uid } },
      });
      log(`pod ${key}: deleted`);
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code !== 404 && code !== 409) log(`pod ${key}: delete failed: ${(err as Error).message}`);
    }
  }

  async function stopLocal(running: RunningPod): Promise<void> {
    if (running.stopping) return;
    running.stopping = true;
    await Promise.all(running.processes.map((p) => p.stop(2000)));
    await network.remove(running.uid);
    rmSync(join(opts.dir, running.uid), { recursive: true, force: true });
    pods.delete(running.uid);
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        await syncOnce();
      } catch (err) {
        log(`sync failed: ${(err as Error).message}`);
      }
      await sleep(opts.pollMs ?? 200);
    }
  })();

  return {
    nodeName,
    hostIP: network.hostIP,
    bridge: network.bridge,
    podIPs: () => new Map([...pods.values()].filter((p) => p.ip).map((p) => [p.key, p.ip!])),
    async stop() {
      if (stopped) return;
      stopped = true;
      await loop;
      await Promise.all([...pods.values()].map((p) => stopLocal(p)));
      await network.destroy();
      log('kubelet stopped');
    },
  };
}

async function registerNode(core: k8s.CoreV1Api, name: string, hostIP: string): Promise<void> {
  const body: k8s.V1Node = { metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } } };
  try {
    await core.createNode({ body });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
  // Status is a subresource: set it separately (Ready, addresses, capacity).
  const node = await core.readNode({ name });
  const now = new Date();
  const capacity = { cpu: '64', memory: '256Gi', pods: '250' };
  node.status = {
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'serval test kubelet', lastHeartbeatTime: now, lastTransitionTime: now }],
    addresses: [
      { type: 'InternalIP', address: hostIP },
      { type: 'Hostname', address: name },
    ],
    capacity,
    allocatable: capacity,
    nodeInfo: {
      architecture: process.arch === 'x64' ? 'amd64' : process.arch,
      operatingSystem: 'linux',
      kubeletVersion: 'serval-test',
      containerRuntimeVersion: 'serval://process',
      kernelVersion: '',
      osImage: 'serval test kubelet',
      kubeProxyVersion: '',
      machineID: '',
      systemUUID: '',
      bootID: '',
    },
  };
  await core.replaceNodeStatus({ name, body: node });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

// Standalone: node <compiled>/kubelet.js [kubeconfig]
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const kubeConfig = new k8s.KubeConfig();
  if (process.argv[2]) kubeConfig.loadFromFile(process.argv[2]);
  else kubeConfig.loadFromDefault();
  const dir = join(tmpdir(), `serval-kubelet-${process.pid}`);
  const kubelet = await startKubelet({ kubeConfig, dir });
  // process.on, not once: a registered listener tells processes.ts not to
  // SIGKILL everything itself, so the clean shutdown can finish.
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    void kubelet.stop().then(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
