#!/usr/bin/env bash
# kind and kubectl for the labs: use them from PATH when their versions match the pins (e.g. conda-forge),
# else build their components (clusters/components/kind.sh, kubernetes.sh; cached) and link them into BIN.
source "$(dirname "$0")/lib.sh"
BIN="${1:?usage: tools.sh BIN_DIR}"
mkdir -p "$BIN"

minor=${K8S_VERSION%.*}
need=()
command -v kind >/dev/null && kind version | grep -q "$KIND_VERSION" || need+=(kind)
command -v kubectl >/dev/null && kubectl version --client 2>/dev/null | grep -q "Client Version: $minor" || need+=(kubernetes)
if [ ${#need[@]} -gt 0 ]; then
  command -v go >/dev/null || die "${need[*]/kubernetes/kubectl $minor} not on PATH at the pinned version and Go is missing to build it: install Go (https://go.dev/doc/install), or kind and kubectl (https://kubernetes.io/docs/tasks/tools/), or use the conda environment (environment.yml)"
  bash "$(dirname "$0")/components.sh" "${need[@]}"  # side by side, like every component
  for name in "${need[@]}"; do
    case $name in
      kind) ln -sf "$KINDLAB_CACHE/kind-$KIND_VERSION/bin/kind" "$BIN/kind" ;;
      kubernetes) ln -sf "$KINDLAB_CACHE/kubernetes-$K8S_VERSION/bin/kubectl" "$BIN/kubectl" ;;
    esac
  done
fi
PATH="$BIN:$PATH"
info "kind: $(kind version), kubectl: $(kubectl version --client 2>/dev/null | head -n1)"
