#!/usr/bin/env bash
# Apply kube-router (NetworkPolicy firewall only) and wait for it on every node.
# Usage: install.sh [KUBECTL-ARGS...]   Needs build.sh to have run (image preloaded in the nodes).
source "$(dirname "$0")/../lib.sh"
manifest="$KINDLAB_CACHE/kube-router-$KUBE_ROUTER_VERSION/manifests/kube-router.yaml"
[ -f "$manifest" ] || die "missing $manifest: run clusters/addons/kube-router/build.sh"
addon_kubectl "$@" apply -f "$manifest" >&2
wait_rollout "$@" -- daemonset/kube-router kube-system 120
