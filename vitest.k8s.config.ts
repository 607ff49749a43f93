import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// The real-Kubernetes tier (test/k8s): one control plane per test file,
// files one after another (they share the machine's 2 cores and the pod
// network), generous timeouts for startup and conformance-style waits.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['test/k8s/**/*.test.ts'],
    globalSetup: ['test/k8s/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    // forks, not threads: cluster processes are tied to the spawning thread's
    // life (setpriv --pdeathsig), and the kubelet needs a real process.
    pool: 'forks',
    // The identity rule: snapshots and accepted configs are deep-frozen, so an in-place edit throws (src/contract/freeze.ts).
    env: { SERVAL_FREEZE_INPUTS: '1' },
  },
});
