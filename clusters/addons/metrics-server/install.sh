#!/usr/bin/env bash
# Apply metrics-server and wait until the metrics API answers. Usage: install.sh [KUBECTL-ARGS...]
# (e.g. --kubeconfig FILE or --context NAME). Needs build.sh to have run (images preloaded in the nodes).
source "$(dirname "$0")/../lib.sh"
dir="$KINDLAB_CACHE/metrics-server-$METRICS_SERVER_VERSION/manifests"
[ -f "$dir/apiservice.yaml" ] || die "missing $dir/apiservice.yaml: run clusters/addons/metrics-server/build.sh"
addon_kubectl "$@" apply -f "$dir/metrics-server.yaml" >&2
wait_rollout "$@" -- deployment/metrics-server kube-system 120
# Only now the APIService: the API server checks it at once through the Service's ClusterIP, and a check that
# comes before kube-proxy has written that Service's rules leaves the node unrewritten; the HTTP/2 connection it
# opens that way is kept and reused, so the API stays unavailable for good (seen here: 404s from the network
# beyond the node). After the rollout (20 s readiness delay) the rules are long in place.
addon_kubectl "$@" apply -f "$dir/apiservice.yaml" >&2
# The Deployment is ready before the aggregated API is marked available; `kubectl top` needs the latter.
addon_kubectl "$@" wait --for=condition=Available apiservice/v1beta1.metrics.k8s.io --timeout=60s >&2 \
  || { addon_kubectl "$@" get apiservice v1beta1.metrics.k8s.io -o yaml >&2; die "metrics API not available within 60s"; }
