// `kubectl logs` for the test kubelet's Pods: the kubelet's containerLogs
// endpoint, which the apiserver proxies pods/log requests to. The conformance
// suite reads echo-basic's log through it to see mirrored requests
// (HTTPRouteRequestMirror). Serves cluster.dir/kubelet/<pod uid>/<container>.log
// over HTTPS (the apiserver's own serving cert: it does not verify kubelet
// certs without --kubelet-certificate-authority) and honours sinceTime to
// within POLL_MS by noting when each log file grew.
import * as k8s from '@kubernetes/client-node';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import type { Cluster } from '../k8s/harness/cluster.js';

const POLL_MS = 200;

/** When a log file had which size: lines past `size` were written after `time`. */
interface Checkpoint {
  time: number;
  size: number;
}

export class LogCheckpoints {
  private readonly byFile = new Map<string, Checkpoint[]>();

  record(file: string, size: number, time: number): void {
    const list = this.byFile.get(file) ?? [];
    if (list.length === 0 || list[list.length - 1]!.size !== size) list.push({ time, size });
    this.byFile.set(file, list);
  }

  /** Byte offset from which the file holds only what was written at or after `since` (ms). */
  offsetSince(file: string, since: number): number {
    let offset = 0;
    for (const c of this.byFile.get(file) ?? []) {
      if (c.time > since) break;
      offset = c.size;
    }
    return offset;
  }
}

export interface PodLogServer {
  port: number;
  stop(): Promise<void>;
}

export async function startPodLogServer(cluster: Cluster): Promise<PodLogServer> {
  const kubelet = cluster.kubelet;
  if (!kubelet) throw new Error('pod logs need the test kubelet');
  const podsDir = join(cluster.dir, 'kubelet');
  const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const checkpoints = new LogCheckpoints();
  const poll = () => {
    if (!existsSync(podsDir)) return;
    const now = Date.now();
    for (const uid of readdirSync(podsDir)) {
      let files: string[];
      try {
        files = readdirSync(join(podsDir, uid)).filter((f) => f.endsWith('.log'));
      } catch {
        continue;
      }
      for (const f of files) {
        try {
          checkpoints.record(join(podsDir, uid, f), statSync(join(podsDir, uid, f)).size, now);
        } catch {
          // removed meanwhile
        }
      }
    }
  };
  poll();
  const timer = setInterval(poll, POLL_MS);

  const certDir = join(cluster.dir, 'apiserver-certs');
  const server: Server = createServer(
    { cert: readFileSync(join(certDir, 'apiserver.crt')), key: readFileSync(join(certDir, 'apiserver.key')) },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://kubelet');
      const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (req.method !== 'GET' || !m) {
        res.writeHead(404).end('not found\n');
        return;
      }
      const [, namespace, name, container] = m.map(decodeURIComponent) as [string, string, string, string];
      core.readNamespacedPod({ namespace, name }).then(
        (pod) => {
          const file = join(podsDir, pod.metadata!.uid!, `${container}.log`);
          if (!existsSync(file)) {
            res.writeHead(404).end(`no log for container ${container} of ${namespace}/${name}\n`);
            return;
          }
          const sinceTime = url.searchParams.get('sinceTime');
          const since = sinceTime ? Date.parse(sinceTime) : NaN;
          const content = readFileSync(file);
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(Number.isNaN(since) ? content : content.subarray(checkpoints.offsetSince(file, since)));
        },
        (err: unknown) => res.writeHead(404).end(`pod ${namespace}/${name}: ${(err as Error).message}\n`),
      );
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, kubelet.hostIP, resolve);
  });
  const port = (server.address() as { port: number }).port;

  // Point the apiserver at us: the kubelet endpoint port, and InternalIP as the
  // only address (it prefers Hostname, which does not resolve here).
  const node = await core.readNode({ name: kubelet.nodeName });
  node.status = {
    ...node.status,
    daemonEndpoints: { kubeletEndpoint: { Port: port } },
    addresses: (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP'),
  };
  await core.replaceNodeStatus({ name: kubelet.nodeName, body: node });

  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
