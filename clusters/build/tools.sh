#!/usr/bin/env bash
# kind and kubectl for the labs: use them from PATH when their versions match the pins (e.g. conda-forge),
# else build their components (clusters/components/kind.sh, kubernetes.sh; cached) and link them into BIN.
source "$(dirname "$0")/lib.sh"
BIN="${1:?usage: tools.sh BIN_DIR}"
mkdir -p "$BIN"

if ! (command -v kind >/dev/null && kind version | grep -q "$KIND_VERSION"); then
  command -v go >/dev/null || die "kind $KIND_VERSION is not on PATH and Go is missing to build it: install Go (https://go.dev/doc/install) or use the conda environment (environment.yml)"
  build_component "$CLUSTERS_DIR/components/kind.sh"
  ln -sf "$KINDLAB_CACHE/kind-$KIND_VERSION/bin/kind" "$BIN/kind"
fi
minor=${K8S_VERSION%.*}
if ! (command -v kubectl >/dev/null && kubectl version --client 2>/dev/null | grep -q "Client Version: $minor"); then
  command -v go >/dev/null || die "kubectl $minor is not on PATH and Go is missing to build it: install kubectl (https://kubernetes.io/docs/tasks/tools/) or use the conda environment"
  build_component "$CLUSTERS_DIR/components/kubernetes.sh"
  ln -sf "$KINDLAB_CACHE/kubernetes-$K8S_VERSION/bin/kubectl" "$BIN/kubectl"
fi
info "kind: $(kind version), kubectl: $(kubectl version --client 2>/dev/null | head -n1)"
