#!/usr/bin/env bash
# Install every add-on on a new cluster, all at once, and wait for each. Usage: install-all.sh [KUBECTL-ARGS...]
# They do not depend on one another, so they start together: the wait is the slowest one's (metrics-server's 20 s
# readiness delay, MetalLB's webhook), not the sum. Each one's output goes to its log; a failure shows it.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
logs="${KINDLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kindlab}/logs"
mkdir -p "$logs"
declare -A pids
start=$SECONDS
for addon in kube-router metallb traefik metrics-server; do
  bash "$dir/$addon/install.sh" "$@" >"$logs/install-$addon.log" 2>&1 &
  pids[$addon]=$!
done
failed=()
for addon in "${!pids[@]}"; do
  if wait "${pids[$addon]}"; then
    printf '[kindlab] %s ready (%ss after start)\n' "$addon" "$((SECONDS - start))" >&2
  else
    failed+=("$addon"); tail -n 20 "$logs/install-$addon.log" >&2
  fi
done
[ ${#failed[@]} -eq 0 ] || { printf '[kindlab] ERROR: add-ons not installed: %s (logs: %s/install-*.log)\n' "${failed[*]}" "$logs" >&2; exit 1; }
