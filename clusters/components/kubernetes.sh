# Kubernetes itself (and agnhost, the test suite's swiss-army image) from the k8s.io/kubernetes module.
# Its go.mod replaces the staging modules with ./staging paths, which `go install` refuses: a throwaway wrapper
# module requires k8s.io/kubernetes and maps each staging module to its published k8s.io/<name> instead.
version=$K8S_VERSION

CMDS=(kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubelet kubeadm kubectl)

# k8s_wrapper DIR PKG...: write the wrapper module in DIR (k8s.io/kubernetes at $version, the staging modules at
# $K8S_STAGING_VERSION) importing PKG..., and resolve it. Also used by clusters/conformance/build.sh (e2e.test).
k8s_wrapper() {
  local dir="$1"; shift
  local kdir gomod
  kdir=$(go_module_dir "k8s.io/kubernetes@$version")
  gomod="$(dirname "$(dirname "$kdir")")/cache/download/k8s.io/kubernetes/@v/$version.mod"
  [ -f "$gomod" ] || gomod="$kdir/go.mod"
  mkdir -p "$dir"
  (
    cd "$dir"
    { echo "module kindlab.local/k8sbuild"; echo; echo "go 1.24.0"; echo
      grep '^godebug' "$gomod" || true
      echo; echo "require k8s.io/kubernetes $version"; echo; echo "replace ("
      sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\t\1 => \1 '"$K8S_STAGING_VERSION"'#p' "$gomod"
      echo ")"; } >go.mod
    { echo "//go:build tools"; echo "package tools"; echo "import ("
      local p; for p in "$@"; do echo "  _ \"$p\""; done; echo ")"; } >tools.go
    run_logged "$COMPONENT-modules" go mod tidy
  )
}

# k8s_ldflags: the version stamps kubeadm checks (else it sees v0.0.0-master and refuses the version).
k8s_ldflags() {
  local gomod minor=${version#v1.} build_date ld="-s -w" pkg
  minor=${minor%%.*}
  gomod="$(dirname "$(dirname "$(go_module_dir "k8s.io/kubernetes@$version")")")/cache/download/k8s.io/kubernetes/@v"
  build_date=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Time"])' \
    "$gomod/$version.info" 2>/dev/null || echo 1970-01-01T00:00:00Z)
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ld+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.gitCommit=module-$version -X $pkg.buildDate=$build_date"
  done
  echo "$ld"
}

build() {
  local pkgs=() c
  for c in "${CMDS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  pkgs+=("k8s.io/kubernetes/test/images/agnhost")
  k8s_wrapper "$OUT/wrapper" "${pkgs[@]}"
  (cd "$OUT/wrapper" && run_logged kubernetes go build -trimpath -ldflags "$(k8s_ldflags)" -o "$OUT/bin/" "${pkgs[@]}")
  "$OUT/bin/kubeadm" version -o short | grep -qx "$version" \
    || die "kubeadm reports $("$OUT/bin/kubeadm" version -o short), expected $version"
}

for c in kube-apiserver kube-controller-manager kube-scheduler; do
  image "registry.k8s.io/$c:$version" scratch "$c:/usr/local/bin/$c"
done
image "registry.k8s.io/kube-proxy:$version" netbase kube-proxy:/usr/local/bin/kube-proxy
# agnhost (built here, in $OUT/bin/agnhost) gets its image, upstream's tools included, in e2e-images.sh.
for c in kubeadm kubelet kubectl; do node_file "$c" /usr/bin/; done
