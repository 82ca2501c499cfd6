#!/usr/bin/env bash
# Run Kubernetes' own [Conformance] specs (e2e.test from the pinned module, clusters/conformance/build.sh) against a
# kind cluster: `full` runs every [Conformance] spec but the ones exclusions.txt names (with its reason), the
# parallel-safe ones with ginkgo -p first, then the [Serial]/[Disruptive] ones one at a time; `quick` runs the
# specs quick.txt lists, in parallel. JUnit reports and logs go to reports/conformance-<mode>-<time>/; a summary
# (passed/failed/skipped, each failure's first line) is printed at the end, and the exit code is 0 only if no
# spec failed.
# Usage: run.sh full|quick     env: CLUSTER (kind cluster, default kindlab), KUBECONFIG, CONFORMANCE_PROCS
#        (parallel ginkgo processes, default 4), CONFORMANCE_TIMEOUT (per phase, default 2h), PYTHON, REPORT_DIR.
source "$(dirname "$0")/../build/lib.sh"
mode="${1:-}"
case "$mode" in full|quick) ;; *) die "usage: $0 full|quick" ;; esac
HERE="$CLUSTERS_DIR/conformance"
PYTHON="${PYTHON:-python3}"
cluster="${CLUSTER:-kindlab}"
kubeconfig="${KUBECONFIG:-$HOME/.kube/config}"; kubeconfig="${kubeconfig%%:*}"  # e2e.test takes one file
procs="${CONFORMANCE_PROCS:-4}"
timeout="${CONFORMANCE_TIMEOUT:-2h}"
out="${REPORT_DIR:-$(pwd)/reports/conformance-$mode-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"

nice -n 10 bash "$HERE/build.sh"
bin=$(bash "$HERE/build.sh" --print-bin)
kubectl_bin="$KINDLAB_CACHE/kubernetes-$K8S_VERSION/bin/kubectl"
[ -x "$kubectl_bin" ] || kubectl_bin=$(command -v kubectl) || die "no kubectl: run make images (or make setup)"
skip=$("$PYTHON" -m labsupport.conformance skip "$HERE/exclusions.txt") || die "cannot read $HERE/exclusions.txt"

# phase NAME GINKGO-ARGS...: one ginkgo run, its JUnit report and log in $out; never stops the script.
phase() {
  local name="$1"; shift
  info "conformance $mode: phase $name on cluster $cluster (log: $out/$name.log)"
  local start=$SECONDS rc=0
  nice -n 10 "$bin/ginkgo" --timeout="$timeout" --no-color --silence-skips --output-dir="$out" \
    --junit-report="junit-$name.xml" "$@" "$bin/e2e.test" -- \
    --kubeconfig="$kubeconfig" --context="kind-$cluster" --kubectl-path="$kubectl_bin" --provider=skeleton \
    --e2e-output-dir="$out" >"$out/$name.log" 2>&1 || rc=$?
  info "phase $name: exit $rc after $((SECONDS - start))s"
}

start=$SECONDS
if [ "$mode" = quick ]; then
  focus=$("$PYTHON" -m labsupport.conformance focus "$HERE/quick.txt") || die "cannot read $HERE/quick.txt"
  phase quick --procs="$procs" --focus="$focus" --skip="$skip"
else
  serial='\[Serial\]|\[Disruptive\]'
  phase parallel --procs="$procs" --focus='\[Conformance\]' --skip="$serial|$skip"
  phase serial --focus="($serial).*\[Conformance\]" --skip="$skip"
fi
info "conformance $mode: $((SECONDS - start))s in all; reports in $out"
"$PYTHON" -m labsupport.conformance summary "$out"/junit-*.xml
