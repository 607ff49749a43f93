#!/usr/bin/env bash
# Builds the real-Kubernetes test tier's binaries from the Go module proxy into
# a cache OUTSIDE the repo, so fresh clones on the same machine reuse them:
#
#   ${SERVAL_CACHE_DIR:-$HOME/.cache/serval-gateway}/k8s-<kubernetes version>/
#     bin/etcd  bin/kube-apiserver  bin/kube-controller-manager
#     bin/echo-basic  bin/gateway-api-conformance.test  bin/helm
#     crds/standard/*.yaml  crds/experimental/*.yaml
#
# Each artifact has a stamp (hash of the Go module that produced it + Go
# version); when every stamp matches, this returns in well under a second.
# A cold build takes many minutes on 2 cores, so it prints progress lines.
# Prints the cache dir as the last line of stdout ("SERVAL_K8S_DIR=...").
set -euo pipefail

HACK_DIR="$(cd "$(dirname "$0")" && pwd)"
source "$HACK_DIR/versions.env"
export PATH="$PATH:/usr/local/go/bin"

CACHE_ROOT="${SERVAL_CACHE_DIR:-$HOME/.cache/serval-gateway}"
OUT="$CACHE_ROOT/k8s-$KUBERNETES_VERSION"
BIN="$OUT/bin"
mkdir -p "$BIN" "$OUT/stamps"

log() { echo "[build-cluster $(date +%H:%M:%S)] $*" >&2; }

command -v go >/dev/null || { log "go not found (need Go >= 1.26 at /usr/local/go or on PATH)"; exit 1; }

# Two CI jobs on the same machine must not build into the same cache at once.
exec 9>"$OUT/.lock"
flock 9

export GOFLAGS=-trimpath CGO_ENABLED=0
GO_VERSION="$(go env GOVERSION)"

# stamp_key <module dir> : what an artifact depends on.
stamp_key() {
  (cd "$1" && cat go.mod go.sum ./*.go 2>/dev/null; echo "$GO_VERSION $KUBERNETES_VERSION $GATEWAY_API_VERSION") | sha256sum | cut -d' ' -f1
}
fresh() { # fresh <name> <key>
  [ -e "$OUT/$1" ] && [ "$(cat "$OUT/stamps/$(basename "$1")" 2>/dev/null)" = "$2" ]
}
stamp() { echo "$2" >"$OUT/stamps/$(basename "$1")"; }

# Consistency check: the gateway-api module must pin the version in versions.env.
grep -q "sigs.k8s.io/gateway-api/conformance $GATEWAY_API_VERSION" "$HACK_DIR/gateway-api/go.mod" ||
  { log "hack/gateway-api/go.mod does not pin $GATEWAY_API_VERSION (see hack/versions.env)"; exit 1; }
grep -q "helm.sh/helm/v4 $HELM_VERSION" "$HACK_DIR/helm/go.mod" ||
  { log "hack/helm/go.mod does not pin helm $HELM_VERSION (see hack/versions.env)"; exit 1; }
grep -q "require k8s.io/kubernetes $KUBERNETES_VERSION\|k8s.io/kubernetes $KUBERNETES_VERSION" "$HACK_DIR/cluster/go.mod" ||
  { log "hack/cluster/go.mod is not at $KUBERNETES_VERSION: run hack/cluster/gen-gomod.sh"; exit 1; }

start_all=$SECONDS

# --- Kubernetes: kube-apiserver, kube-controller-manager -----------------------
key=$(stamp_key "$HACK_DIR/cluster")
if fresh bin/kube-apiserver "$key" && fresh bin/kube-controller-manager "$key"; then
  log "kube-apiserver, kube-controller-manager $KUBERNETES_VERSION: cached"
else
  info_file=$(cd "$HACK_DIR/cluster" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^\s*"Info": "\(.*\)",$/\1/p')
  build_date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$info_file")
  commit=$(sed -n 's/.*"Hash":"\([0-9a-f]*\)".*/\1/p' "$info_file")
  minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
  # Same -X flags as kubernetes' hack/lib/version.sh, so /version and
  # `--version` report the real release instead of v0.0.0-master.
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitCommit=${commit:-unknown} -X $pkg.gitTreeState=clean -X $pkg.buildDate=${build_date:-1970-01-01T00:00:00Z}"
  done
  log "building kube-apiserver + kube-controller-manager $KUBERNETES_VERSION (cold: many minutes on 2 cores)..."
  t0=$SECONDS
  tmp=$(mktemp -d "$OUT/.build.XXXXXX")
  (cd "$HACK_DIR/cluster" && go build -p 2 -ldflags "$ldflags" -o "$tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager)
  mv "$tmp/kube-apiserver" "$tmp/kube-controller-manager" "$BIN/"; rmdir "$tmp"
  stamp bin/kube-apiserver "$key"; stamp bin/kube-controller-manager "$key"
  log "kube-apiserver + kube-controller-manager built in $((SECONDS - t0))s"
fi

# --- etcd (version from kubernetes' go.mod, see hack/etcd/gen-gomod.sh) --------
key=$(stamp_key "$HACK_DIR/etcd")
if fresh bin/etcd "$key"; then
  log "etcd: cached"
else
  log "building etcd..."
  t0=$SECONDS
  (cd "$HACK_DIR/etcd" && go build -p 2 -ldflags "-s -w" -o "$BIN/etcd.tmp" .)
  mv "$BIN/etcd.tmp" "$BIN/etcd"; stamp bin/etcd "$key"
  log "etcd built in $((SECONDS - t0))s"
fi

# --- Gateway API: echo-basic, conformance test binary, CRDs --------------------
key=$(stamp_key "$HACK_DIR/gateway-api")
if fresh bin/echo-basic "$key"; then
  log "echo-basic $GATEWAY_API_VERSION: cached"
else
  log "building echo-basic $GATEWAY_API_VERSION..."
  t0=$SECONDS
  (cd "$HACK_DIR/gateway-api" && go build -p 2 -ldflags "-s -w" -o "$BIN/echo-basic.tmp" sigs.k8s.io/gateway-api/conformance/echo-basic)
  mv "$BIN/echo-basic.tmp" "$BIN/echo-basic"; stamp bin/echo-basic "$key"
  log "echo-basic built in $((SECONDS - t0))s"
fi

if fresh bin/gateway-api-conformance.test "$key"; then
  log "gateway-api conformance test binary: cached"
else
  log "compiling gateway-api $GATEWAY_API_VERSION conformance tests (go test -c)..."
  t0=$SECONDS
  (cd "$HACK_DIR/gateway-api" && go test -c -p 2 -o "$BIN/gateway-api-conformance.test.tmp" sigs.k8s.io/gateway-api/conformance)
  mv "$BIN/gateway-api-conformance.test.tmp" "$BIN/gateway-api-conformance.test"
  stamp bin/gateway-api-conformance.test "$key"
  log "conformance test binary built in $((SECONDS - t0))s"
fi

if fresh crds "$key"; then
  log "gateway-api CRDs: cached"
else
  gw_dir=$(cd "$HACK_DIR/gateway-api" && go mod download -json "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  rm -rf "$OUT/crds"
  mkdir -p "$OUT/crds"
  for channel in standard experimental; do
    mkdir -p "$OUT/crds/$channel"
    # kustomization.yaml is not a manifest; everything else is applied as-is.
    find "$gw_dir/config/crd/$channel" -name '*.yaml' ! -name kustomization.yaml -exec cp {} "$OUT/crds/$channel/" \;
  done
  chmod -R u+w "$OUT/crds"
  stamp crds "$key"
  log "gateway-api $GATEWAY_API_VERSION CRDs copied to $OUT/crds"
fi

# --- helm: lints, renders and installs the chart in deploy/helm in the k8s tier ---
key=$(stamp_key "$HACK_DIR/helm")
if fresh bin/helm "$key"; then
  log "helm $HELM_VERSION: cached"
else
  log "building helm $HELM_VERSION..."
  t0=$SECONDS
  (cd "$HACK_DIR/helm" && go build -p 2 -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" -o "$BIN/helm.tmp" helm.sh/helm/v4/cmd/helm)
  mv "$BIN/helm.tmp" "$BIN/helm"; stamp bin/helm "$key"
  log "helm built in $((SECONDS - t0))s"
fi

log "all done in $((SECONDS - start_all))s"
echo "SERVAL_K8S_DIR=$OUT"
