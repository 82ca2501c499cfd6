#!/usr/bin/env bash
# Install every add-on on a new cluster, in order, each waited for. Usage: install-all.sh [KUBECTL-ARGS...]
# kube-router first, so that NetworkPolicy is enforced before any workload starts; MetalLB before Traefik, whose
# Service could then be a LoadBalancer too; metrics-server last, as its first scrape needs the nodes settled.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
for addon in kube-router metallb traefik metrics-server; do
  start=$SECONDS
  bash "$dir/$addon/install.sh" "$@"
  printf '[kindlab] %s ready in %ss\n' "$addon" "$((SECONDS - start))" >&2
done
