// Standalone test cluster for poking at by hand (scripts/k8s-cluster.sh):
// starts it, prints how to reach it, stops it on Ctrl-C / SIGTERM.
// SERVAL_K8S_KUBELET=0 starts it without the test kubelet (run
// scripts/k8s-kubelet.sh separately).
import { startCluster } from './cluster.js';

const cluster = await startCluster({ kubelet: process.env.SERVAL_K8S_KUBELET !== '0', keepDir: process.env.SERVAL_K8S_KEEP === '1' });
console.log(`cluster ${cluster.versions.kubernetes} at ${cluster.server}`);
console.log(`logs in ${cluster.dir}`);
console.log(`export KUBECONFIG=${cluster.kubeconfigPath}`);
// process.on, not once: a registered listener tells processes.ts not to
// SIGKILL everything itself, so the clean shutdown can finish.
let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  void cluster.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
