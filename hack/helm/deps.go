//go:build tools

// Package deps pins helm (the chart's lint/template/install tool in the k8s tier) in go.mod/go.sum, so
// hack/build-cluster.sh can `go build helm.sh/helm/v4/cmd/helm` from the Go module proxy into the cache.
package deps

import (
	_ "helm.sh/helm/v4/cmd/helm"
)
