// Can this machine run the real-Kubernetes tier? Returns why not, or undefined.
// Used by the vitest globalSetup (which prints the reason) and by tests
// (describe.skipIf) so the tier is skipped loudly, never silently.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { binaryPath, goAvailable } from './paths.js';

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore', env: { ...process.env, PATH: `${process.env.PATH}:/usr/local/go/bin:/usr/sbin:/sbin` } });
    return true;
  } catch {
    return false;
  }
}

export function k8sTierSkipReason(): string | undefined {
  if (process.env.SERVAL_SKIP_K8S === '1') return 'SERVAL_SKIP_K8S=1 is set';
  if (process.platform !== 'linux') return `needs Linux (network namespaces), this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'needs root (the test kubelet creates a network namespace per Pod)';
  const built = (['etcd', 'kube-apiserver', 'kube-controller-manager', 'echo-basic'] as const).every((b) => existsSync(binaryPath(b)));
  if (!built && !goAvailable()) return 'needs Go >= 1.26 (to build etcd/kube-apiserver/kube-controller-manager via hack/build-cluster.sh); none on PATH or in /usr/local/go/bin';
  if (!has('ip')) return 'needs iproute2 (`ip`); run scripts/k8s-preflight.sh to install it';
  if (!has('setpriv')) return 'needs setpriv (util-linux)';
  return undefined;
}
