#!/usr/bin/env bash
# Preflight for the real-Kubernetes test tier (npm run test:k8s).
# Installs what it can (iproute2), then builds/refreshes the cached binaries.
# If the tier cannot run here it prints ONE line saying why and exits 0; the
# vitest globalSetup then skips the tier with the same reason.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"

skip() { echo "[k8s tier] SKIPPED: $*"; exit 0; }

[ "${SERVAL_SKIP_K8S:-}" = 1 ] && skip "SERVAL_SKIP_K8S=1 is set"
[ "$(uname -s)" = Linux ] || skip "needs Linux (network namespaces)"
[ "$(id -u)" = 0 ] || skip "needs root (the test kubelet creates a network namespace per Pod)"
source hack/versions.env
bin="${SERVAL_CACHE_DIR:-$HOME/.cache/serval-gateway}/k8s-$KUBERNETES_VERSION/bin"
have_binaries() { for b in etcd kube-apiserver kube-controller-manager echo-basic helm; do [ -x "$bin/$b" ] || return 1; done; }
if ! command -v go >/dev/null; then
  have_binaries || skip "needs Go >= 1.26 to build etcd/kube-apiserver/kube-controller-manager (hack/build-cluster.sh)"
  echo "[k8s tier] no Go: using the cached binaries in $bin as they are" >&2
fi
if ! command -v ip >/dev/null; then
  echo "[k8s tier] installing iproute2 (ip netns) via apt-get" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2; } >&2 ||
    skip "needs iproute2 (ip) and apt-get install iproute2 failed"
fi
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
if command -v go >/dev/null; then bash hack/build-cluster.sh >/dev/null; fi
