// Where the real-Kubernetes tier finds its binaries: the cache that
// hack/build-cluster.sh fills (outside the repo, shared by all clones).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// SERVAL_REPO_ROOT: set by scripts/k8s-*.sh, which run a compiled copy from .cache/.
export const repoRoot = process.env.SERVAL_REPO_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Versions pinned in hack/versions.env (the single source of truth). */
export interface PinnedVersions {
  kubernetes: string;
  gatewayApi: string;
}

export function pinnedVersions(): PinnedVersions {
  const env = Object.fromEntries(
    readFileSync(join(repoRoot, 'hack/versions.env'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.split('=', 2) as [string, string]),
  );
  return { kubernetes: env.KUBERNETES_VERSION!, gatewayApi: env.GATEWAY_API_VERSION! };
}

/** `${SERVAL_CACHE_DIR:-~/.cache/serval-gateway}/k8s-<version>` (same rule as the build script). */
export function k8sCacheDir(): string {
  const root = process.env.SERVAL_CACHE_DIR || join(homedir(), '.cache/serval-gateway');
  return join(root, `k8s-${pinnedVersions().kubernetes}`);
}

export type Binary = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'echo-basic' | 'gateway-api-conformance.test' | 'helm';

export function binaryPath(name: Binary): string {
  return join(k8sCacheDir(), 'bin', name);
}

export type CrdChannel = 'standard' | 'experimental';

export function crdDir(channel: CrdChannel): string {
  return join(k8sCacheDir(), 'crds', channel);
}

/**
 * Runs hack/build-cluster.sh (seconds when the cache is warm, many minutes
 * cold) unless SERVAL_K8S_SKIP_BUILD=1 and the binaries are already there.
 * Progress goes to our stderr so a long cold build is visible.
 */
export function ensureBinaries(): void {
  const all: Binary[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'echo-basic', 'helm'];
  const built = all.every((b) => existsSync(binaryPath(b)));
  // Without Go the cache cannot be checked for staleness; use what is there.
  if (built && (process.env.SERVAL_K8S_SKIP_BUILD === '1' || !goAvailable())) return;
  execFileSync('bash', [join(repoRoot, 'hack/build-cluster.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export function goAvailable(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore', env: { ...process.env, PATH: `${process.env.PATH}:/usr/local/go/bin` } });
    return true;
  } catch {
    return false;
  }
}
