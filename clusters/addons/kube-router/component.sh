# kube-router as a NetworkPolicy engine only (firewall mode) beside flannel, as k3s runs it: the binary from
# github.com/cloudnativelabs/kube-router/v2 (no replace directives, so a plain `go install`), an image on netbase
# (the same Debian iptables and ipset as kube-proxy's and flannel's, so all three write rules through one
# backend), and the module's published daemonset/generic-kuberouter.yaml cut to firewall-only (kustomization.yaml).
version=$KUBE_ROUTER_VERSION
build() {
  source "$CLUSTERS_DIR/addons/lib.sh"
  is_done "$OUT/bin" || { LDFLAGS_EXTRA="-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$version -X github.com/cloudnativelabs/kube-router/v2/pkg/version.BuildDate=module" \
    go_install "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$version"; mark_done "$OUT/bin"; }
  local work; work=$(addon_workdir)
  mkdir -p "$work/upstream"
  cp "$(go_module_dir "github.com/cloudnativelabs/kube-router/v2@$version")/daemonset/generic-kuberouter.yaml" "$work/upstream/"
  cp "$ADDONS_DIR/kube-router/kustomization.yaml" "$ADDONS_DIR/kube-router/firewall-only.yaml" "$work/"
  chmod -R u+w "$work"
  kustomize_images "$work" "docker.io/cloudnativelabs/kube-router=$KUBE_ROUTER_IMAGE"
  render_kustomize "$work" "$OUT/manifests/kube-router.yaml"
  rm -rf "$work"
  grep -q "image: $KUBE_ROUTER_IMAGE\$" "$OUT/manifests/kube-router.yaml" || die "kube-router manifest does not name $KUBE_ROUTER_IMAGE"
  if grep -q 'install-cni\|kube-router-cfg\|run-router=true' "$OUT/manifests/kube-router.yaml"; then
    die "kube-router manifest still installs its own CNI: has daemonset/generic-kuberouter.yaml changed?"
  fi
}
image "$KUBE_ROUTER_IMAGE" netbase --entrypoint '["/usr/local/bin/kube-router"]' kube-router:/usr/local/bin/kube-router
