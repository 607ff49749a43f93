#!/usr/bin/env bash
# Runs the test kubelet (test/k8s/harness/kubelet.ts) standalone against a
# cluster, e.g. one started by hand:  scripts/k8s-kubelet.sh /tmp/serval-k8s-XXXX/admin.kubeconfig
# (or with KUBECONFIG set). Needs root (network namespaces). Ctrl-C cleans up.
# Node 20 cannot run TypeScript directly, so the harness is compiled with the
# repo's tsc into a temp dir first (node_modules resolve from the repo).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d "$PWD/.cache/k8s-kubelet.XXXXXX" 2>/dev/null || { mkdir -p .cache && mktemp -d "$PWD/.cache/k8s-kubelet.XXXXXX"; })
trap 'rm -rf "$out"' EXIT
npx tsc --ignoreConfig --outDir "$out" --rootDir . --module nodenext --moduleResolution nodenext --target es2023 \
  --skipLibCheck --types node --esModuleInterop test/k8s/harness/kubelet.ts
echo '{"type":"module"}' >"$out/package.json"

node "$out/test/k8s/harness/kubelet.js" "$@"
