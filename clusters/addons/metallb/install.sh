#!/usr/bin/env bash
# Apply MetalLB, wait for it, then give it the address pool from kind's Docker network (pool.py).
# Usage: install.sh [KUBECTL-ARGS...]   Needs build.sh to have run (images preloaded in the nodes).
source "$(dirname "$0")/../lib.sh"
manifest="$KINDLAB_CACHE/metallb-$METALLB_VERSION/manifests/metallb.yaml"
[ -f "$manifest" ] || die "missing $manifest: run clusters/addons/metallb/build.sh"
pool=$(docker network inspect kind | python3 "$ADDONS_DIR/metallb/pool.py") || die "no address pool from kind's Docker network"
addon_kubectl "$@" apply -f "$manifest" >&2
wait_rollout "$@" -- deployment/controller metallb-system 120
wait_rollout "$@" -- daemonset/speaker metallb-system 120
# The pool goes through MetalLB's validating webhook, which answers only once the controller has written its own
# serving certificate into the webhook configuration: retry until then.
deadline=$((SECONDS + 60))
until err=$(addon_kubectl "$@" apply -f - <<<"$pool" 2>&1 >/dev/null); do
  [ $SECONDS -lt $deadline ] || die "MetalLB refused the address pool for 60s: $err"
  sleep 2
done
