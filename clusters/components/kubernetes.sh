# Kubernetes itself (and agnhost, the test suite's swiss-army image) from the k8s.io/kubernetes module.
# Its go.mod replaces the staging modules with ./staging paths, which `go install` refuses: a throwaway wrapper
# module requires k8s.io/kubernetes and maps each staging module to its published k8s.io/<name> instead.
version=$K8S_VERSION

CMDS=(kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubelet kubeadm kubectl)

build() {
  mkdir -p "$OUT/wrapper"
  local kdir gomod
  kdir=$(go_module_dir "k8s.io/kubernetes@$version")
  gomod="$(dirname "$(dirname "$kdir")")/cache/download/k8s.io/kubernetes/@v/$version.mod"
  [ -f "$gomod" ] || gomod="$kdir/go.mod"
  local pkgs=() c
  for c in "${CMDS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  pkgs+=("k8s.io/kubernetes/test/images/agnhost")
  (
    cd "$OUT/wrapper"
    { echo "module kindlab.local/k8sbuild"; echo; echo "go 1.24.0"; echo
      grep '^godebug' "$gomod" || true
      echo; echo "require k8s.io/kubernetes $version"; echo; echo "replace ("
      sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\t\1 => \1 '"$K8S_STAGING_VERSION"'#p' "$gomod"
      echo ")"; } >go.mod
    { echo "//go:build tools"; echo "package tools"; echo "import ("
      for p in "${pkgs[@]}"; do echo "  _ \"$p\""; done; echo ")"; } >tools.go
    run_logged kubernetes-modules go mod tidy
    local minor=${version#v1.}; minor=${minor%%.*}
    local build_date
    build_date=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Time"])' \
      "$(dirname "$gomod")/$version.info" 2>/dev/null || echo 1970-01-01T00:00:00Z)
    local ld="-s -w" pkg
    for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
      ld+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
      ld+=" -X $pkg.gitTreeState=clean -X $pkg.gitCommit=module-$version -X $pkg.buildDate=$build_date"
    done
    run_logged kubernetes go build -trimpath -ldflags "$ld" -o "$OUT/bin/" "${pkgs[@]}"
  )
  "$OUT/bin/kubeadm" version -o short | grep -qx "$version" \
    || die "kubeadm reports $("$OUT/bin/kubeadm" version -o short), expected $version"
}

for c in kube-apiserver kube-controller-manager kube-scheduler; do
  image "registry.k8s.io/$c:$version" scratch "$c:/usr/local/bin/$c"
done
image "registry.k8s.io/kube-proxy:$version" netbase kube-proxy:/usr/local/bin/kube-proxy
image "$AGNHOST_IMAGE" busybox --entrypoint '["/agnhost"]' --cmd '["pause"]' agnhost:/agnhost
for c in kubeadm kubelet kubectl; do node_file "$c" /usr/bin/; done
