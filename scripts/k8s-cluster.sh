#!/usr/bin/env bash
# Starts the test cluster of the k8s tier by hand (etcd, kube-apiserver,
# kube-controller-manager, Gateway API CRDs, test kubelet) and prints the
# KUBECONFIG to use. Ctrl-C stops and cleans up. Needs root.
#   SERVAL_K8S_KUBELET=0  without the kubelet (see scripts/k8s-kubelet.sh)
#   SERVAL_K8S_KEEP=1     keep the temp dir (logs) after stopping
exec bash "$(dirname "$0")/k8s-kubelet.sh" --main cluster-main "$@"
