#!/usr/bin/env bash
# Build the Kubernetes binaries (and agnhost) from the k8s.io/kubernetes Go module at $K8S_VERSION.
# The module's go.mod replaces its staging modules with ./staging paths, which `go install` refuses; a
# throwaway wrapper module in the cache requires k8s.io/kubernetes and maps each staging module to its
# published k8s.io/<name> $K8S_STAGING_VERSION instead.
source "$(dirname "$0")/lib.sh"

OUT="$KINDLAB_CACHE/kubernetes-$K8S_VERSION"
is_done "$OUT" && { info "kubernetes $K8S_VERSION: cached in $OUT"; exit 0; }
mkdir -p "$OUT/wrapper" "$OUT/bin"

kdir=$(go_module_dir "k8s.io/kubernetes@$K8S_VERSION")
gomod="$(dirname "$(dirname "$kdir")")/cache/download/k8s.io/kubernetes/@v/$K8S_VERSION.mod"
[ -f "$gomod" ] || gomod="$kdir/go.mod"

cd "$OUT/wrapper"
{
  echo "module kindlab.local/k8sbuild"
  echo
  echo "go 1.24.0"
  echo
  grep '^godebug' "$gomod" || true
  echo
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo
  echo "replace ("
  sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\t\1 => \1 '"$K8S_STAGING_VERSION"'#p' "$gomod"
  echo ")"
} >go.mod

CMDS=(kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubelet kubeadm kubectl)
{
  echo "//go:build tools"
  echo "package tools"
  echo "import ("
  for c in "${CMDS[@]}"; do echo "  _ \"k8s.io/kubernetes/cmd/$c\""; done
  echo "  _ \"k8s.io/kubernetes/test/images/agnhost\""
  echo ")"
} >tools.go

run_logged kubernetes-modules go mod tidy

minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
build_date=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Time"])' \
  "$(dirname "$gomod")/$K8S_VERSION.info" 2>/dev/null || echo 1970-01-01T00:00:00Z)
ld="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  ld+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ld+=" -X $pkg.gitTreeState=clean -X $pkg.gitCommit=module-$K8S_VERSION -X $pkg.buildDate=$build_date"
done

pkgs=()
for c in "${CMDS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
pkgs+=("k8s.io/kubernetes/test/images/agnhost")
run_logged kubernetes go build -trimpath -ldflags "$ld" -o "$OUT/bin/" "${pkgs[@]}"
"$OUT/bin/kubeadm" version -o short | grep -qx "$K8S_VERSION" || die "kubeadm reports $("$OUT/bin/kubeadm" version -o short), expected $K8S_VERSION"
mark_done "$OUT"
info "kubernetes $K8S_VERSION built into $OUT/bin"
