#!/usr/bin/env bash
# npm run conformance: the official Gateway API conformance suite (GATEWAY-HTTP
# profile) against serval on the real test cluster. See conformance/README.md.
#   scripts/conformance.sh                       full profile -> conformance/report.yaml
#   scripts/conformance.sh --run-test <ShortName> one test (iterating on a fix)
# Needs root (pod network namespaces, :80 on 127.0.10.x) and Go or a filled cache.
set -euo pipefail
cd "$(dirname "$0")/.."
# The pinned Node (package.json: node-linux-*), also when run by hand rather than by npm run.
export PATH="$PWD/node_modules/.bin:$PATH"
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
started_at=$(date +%s%3N)

[ "$(id -u)" = 0 ] || { echo "conformance: needs root (network namespaces, binding :80)" >&2; exit 1; }
command -v ip >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2; } >&2

echo "[conformance] cluster binaries (hack/build-cluster.sh; cached after the first build)"
if command -v go >/dev/null; then
  bash hack/build-cluster.sh >/dev/null
fi
bin_dir="${SERVAL_CACHE_DIR:-$HOME/.cache/serval-gateway}/k8s-$(sed -n 's/^KUBERNETES_VERSION=//p' hack/versions.env)/bin"
[ -x "$bin_dir/gateway-api-conformance.test" ] || { echo "conformance: $bin_dir/gateway-api-conformance.test missing and Go not found" >&2; exit 1; }

echo "[conformance] npm run build"
npm run build --silent

# Node runs no decorators or parameter properties (src/ has both): compile the runner (and the harness it
# imports) into .cache/.
mkdir -p .cache
out=$(mktemp -d "$PWD/.cache/conformance.XXXXXX")
trap 'rm -rf "$out"' EXIT
npx tsc --ignoreConfig --outDir "$out" --rootDir . --module nodenext --moduleResolution nodenext --target es2023 \
  --skipLibCheck --types node --esModuleInterop test/conformance/conformance-main.ts
echo '{"type":"module"}' >"$out/package.json"

# The runner prints the summary as its last lines (total time included).
CONFORMANCE_STARTED_AT="$started_at" SERVAL_REPO_ROOT="$PWD" SERVAL_K8S_SKIP_BUILD=1 \
  node "$out/test/conformance/conformance-main.js" "$@"
