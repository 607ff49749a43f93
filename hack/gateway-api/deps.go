//go:build tools

// Package deps keeps the conformance package (and so everything its test
// binary needs) in go.mod/go.sum, so hack/build-cluster.sh can
// `go test -c sigs.k8s.io/gateway-api/conformance` without touching the network.
package deps

import (
	_ "sigs.k8s.io/gateway-api/conformance"
	_ "github.com/stretchr/testify/assert"
	_ "github.com/stretchr/testify/require"
	_ "k8s.io/utils/ptr"
	_ "sigs.k8s.io/gateway-api/apis/v1"
	_ "sigs.k8s.io/gateway-api/conformance/utils/config"
	_ "sigs.k8s.io/gateway-api/conformance/utils/flags"
	_ "sigs.k8s.io/gateway-api/conformance/utils/suite"
	_ "sigs.k8s.io/gateway-api/pkg/features"
	_ "sigs.k8s.io/yaml"
)
