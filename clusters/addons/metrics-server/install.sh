#!/usr/bin/env bash
# Apply metrics-server and wait until the metrics API answers. Usage: install.sh [KUBECTL-ARGS...]
# (e.g. --kubeconfig FILE or --context NAME). Needs build.sh to have run (images preloaded in the nodes).
source "$(dirname "$0")/../lib.sh"
manifest="$KINDLAB_CACHE/metrics-server-$METRICS_SERVER_VERSION/manifests/metrics-server.yaml"
[ -f "$manifest" ] || die "missing $manifest: run clusters/addons/metrics-server/build.sh"
addon_kubectl "$@" apply -f "$manifest" >&2
wait_rollout "$@" -- deployment/metrics-server kube-system 120
# The Deployment is ready before the aggregated API is marked available; `kubectl top` needs the latter.
addon_kubectl "$@" wait --for=condition=Available apiservice/v1beta1.metrics.k8s.io --timeout=60s >&2 \
  || { addon_kubectl "$@" get apiservice v1beta1.metrics.k8s.io -o yaml >&2; die "metrics API not available within 60s"; }
