#!/usr/bin/env bash
# Build Kubernetes' conformance suite, e2e.test and the ginkgo runner, from the pinned k8s.io/kubernetes module
# with the same wrapper module as clusters/components/kubernetes.sh (cached in $KINDLAB_CACHE/conformance-<version>,
# reused when present; not part of the node image, so `make images` never builds it).
# Usage: build.sh [--print-bin]   (prints the directory holding e2e.test and ginkgo)
source "$(dirname "$0")/../build/lib.sh"

# kubernetes.sh provides $version, k8s_wrapper and k8s_ldflags (its image declarations are ignored here).
load_component "$CLUSTERS_DIR/components/kubernetes.sh"
COMPONENT=conformance
OUT="$KINDLAB_CACHE/conformance-$version"
if [ "${1:-}" = --print-bin ]; then echo "$OUT/bin"; exit 0; fi
is_done "$OUT" && { info "conformance $version: cached in $OUT"; exit 0; }
mkdir -p "$OUT/bin"
start=$SECONDS

# The suite is test/e2e's test binary: its _test.go imports every test package, so the wrapper imports them too
# (go mod tidy then records every module the binary needs).
e2e_dir="$(go_module_dir "k8s.io/kubernetes@$version")/test/e2e"
mapfile -t test_imports < <(sed -n '/^import (/,/^)/p' "$e2e_dir/e2e_test.go" | grep -oE '"[a-z0-9-]+\.[^"]+"' | tr -d '"')
ginkgo_pkg=github.com/onsi/ginkgo/v2/ginkgo  # the runner, at the version Kubernetes' go.mod requires
k8s_wrapper "$OUT/wrapper" k8s.io/kubernetes/test/e2e "$ginkgo_pkg" "${test_imports[@]}"
(
  cd "$OUT/wrapper"
  run_logged conformance-ginkgo go build -trimpath -ldflags "-s -w" -o "$OUT/bin/ginkgo" "$ginkgo_pkg"
  # -mod=mod: a test-only dependency tidy did not record is resolved (from the same pinned graph), not an error
  run_logged conformance-e2e go test -c -vet=off -mod=mod -trimpath -ldflags "$(k8s_ldflags)" -o "$OUT/bin/e2e.test" k8s.io/kubernetes/test/e2e
)
"$OUT/bin/e2e.test" --version 2>/dev/null | grep -q "$version" \
  || die "e2e.test reports $("$OUT/bin/e2e.test" --version 2>&1 | head -n1), expected $version"
mark_done "$OUT"
info "built e2e.test and ginkgo ($version) in $((SECONDS - start))s"
