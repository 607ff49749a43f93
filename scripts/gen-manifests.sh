#!/usr/bin/env bash
# npm run gen:manifests: renders deploy/serval-gateway.yaml from the Helm chart, so the plain manifest and the
# chart cannot drift (test/k8s/helm-chart.test.ts fails when the file is not what this prints).
#   scripts/gen-manifests.sh           rewrite deploy/serval-gateway.yaml
#   scripts/gen-manifests.sh --stdout  print it instead
# helm comes from the k8s tier's cache (hack/build-cluster.sh builds it from the Go module proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
source hack/versions.env
helm="${SERVAL_HELM:-${SERVAL_CACHE_DIR:-$HOME/.cache/serval-gateway}/k8s-$KUBERNETES_VERSION/bin/helm}"
[ -x "$helm" ] || PATH="$PATH:/usr/local/go/bin" bash hack/build-cluster.sh >/dev/null

render() {
  cat <<'HEADER'
# serval-gateway: control plane (Deployment, 2 replicas, leader election) + router (DaemonSet) + RBAC.
# Generated from the Helm chart (deploy/helm/serval-gateway) by `npm run gen:manifests`, with
# deploy/helm/static-manifest.values.yaml: edit the chart, not this file.
# Prerequisites: the Gateway API CRDs, and the admin token Secret the controller and routers share:
#   kubectl create namespace serval-system
#   kubectl -n serval-system create secret generic serval-admin-token --from-literal=token="$(head -c 32 /dev/urandom | base64)"
HEADER
  "$helm" template serval-gateway deploy/helm/serval-gateway --namespace serval-system -f deploy/helm/static-manifest.values.yaml
}

if [ "${1:-}" = --stdout ]; then render; else render >deploy/serval-gateway.yaml; fi
