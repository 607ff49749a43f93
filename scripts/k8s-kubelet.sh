#!/usr/bin/env bash
# Runs the test kubelet (test/k8s/harness/kubelet.ts) standalone against a
# cluster, e.g. one started with SERVAL_K8S_KUBELET=0 scripts/k8s-cluster.sh:
#   scripts/k8s-kubelet.sh /tmp/serval-k8s-XXXX/admin.kubeconfig   (or KUBECONFIG=...)
# Needs root (network namespaces). Ctrl-C stops Pods and removes their netns.
# Node strips types but runs no decorators or parameter properties (src/ has both),
# so the harness is compiled with the repo's tsc into .cache/ first (node_modules
# then resolve from the repo).
# (`--main <module>` runs another harness module; scripts/k8s-cluster.sh uses it.)
set -euo pipefail
cd "$(dirname "$0")/.."
# The pinned Node (package.json: node-linux-*), also when run by hand rather than by npm run.
export PATH="$PWD/node_modules/.bin:$PATH"
main=kubelet
if [ "${1:-}" = --main ]; then main=$2; shift 2; fi
mkdir -p .cache
out=$(mktemp -d "$PWD/.cache/k8s-harness.XXXXXX")
trap 'rm -rf "$out"' EXIT
npx tsc --ignoreConfig --outDir "$out" --rootDir . --module nodenext --moduleResolution nodenext --target es2023 \
  --skipLibCheck --types node --esModuleInterop "test/k8s/harness/$main.ts"
echo '{"type":"module"}' >"$out/package.json"
SERVAL_REPO_ROOT="$PWD" node "$out/test/k8s/harness/$main.js" "$@"
