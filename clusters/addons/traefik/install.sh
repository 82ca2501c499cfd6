#!/usr/bin/env bash
# Apply the Gateway API CRDs, then Traefik, and wait until it answers on its hostPorts.
# Usage: install.sh [KUBECTL-ARGS...]   Needs build.sh to have run (image preloaded in the nodes).
source "$(dirname "$0")/../lib.sh"
dir="$KINDLAB_CACHE/traefik-$TRAEFIK_VERSION/manifests"
[ -f "$dir/traefik.yaml" ] || die "missing $dir/traefik.yaml: run clusters/addons/traefik/build.sh"
# Server-side: the HTTPRoute CRD is too large for client-side apply's last-applied annotation.
addon_kubectl "$@" apply --server-side -f "$dir/gateway-api-crds.yaml" >&2
addon_kubectl "$@" wait --for=condition=Established --timeout=60s -f "$dir/gateway-api-crds.yaml" >&2 \
  || die "Gateway API CRDs not established within 60s"
addon_kubectl "$@" apply -f "$dir/traefik.yaml" >&2
wait_rollout "$@" -- deployment/traefik traefik 120
