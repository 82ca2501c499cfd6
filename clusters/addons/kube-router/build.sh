#!/usr/bin/env bash
# kube-router as a NetworkPolicy engine only (firewall mode), beside flannel, as k3s runs it: the binary from
# github.com/cloudnativelabs/kube-router/v2 (no replace directives, so a plain `go install` at exactly the versions
# its go.mod selects), an image on the Debian base with iptables and ipset (the same iptables as kube-proxy's and
# flannel's images, so all three write rules through one backend), and the module's published
# daemonset/generic-kuberouter.yaml patched to firewall-only mode (kustomization.yaml).
# Usage: build.sh   (prints the manifest's path)
source "$(dirname "$0")/../lib.sh"
V="$KUBE_ROUTER_VERSION"
OUT="$KINDLAB_CACHE/kube-router-$V"
if ! is_done "$OUT/bin"; then
  mkdir -p "$OUT/bin"
  run_logged kube-router env GOBIN="$OUT/bin" nice -n "$KINDLAB_NICE" go install -trimpath \
    -ldflags "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$V -X github.com/cloudnativelabs/kube-router/v2/pkg/version.BuildDate=module" \
    "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$V"
  mark_done "$OUT/bin"
fi
KEY=$(addon_key kube-router)
addon_debian_image "$KUBE_ROUTER_IMAGE" "$KEY" '["/usr/local/bin/kube-router"]' \
  "iptables ipset iproute2 conntrack ca-certificates" "$OUT/bin/kube-router:/usr/local/bin/kube-router"

work="$ADDON_TMP/manifests"
mkdir -p "$work/upstream" "$OUT/manifests"
cp "$(go_module_dir "github.com/cloudnativelabs/kube-router/v2@$V")/daemonset/generic-kuberouter.yaml" "$work/upstream/"
cp "$ADDONS_DIR/kube-router/kustomization.yaml" "$ADDONS_DIR/kube-router/firewall-only.yaml" "$work/"
chmod -R u+w "$work"
kustomize_images "$work" "docker.io/cloudnativelabs/kube-router=$KUBE_ROUTER_IMAGE"
render_kustomize "$work" "$OUT/manifests/kube-router.yaml"
grep -q "image: $KUBE_ROUTER_IMAGE\$" "$OUT/manifests/kube-router.yaml" || die "kube-router manifest does not name $KUBE_ROUTER_IMAGE"
if grep -q 'install-cni\|kube-router-cfg\|run-router=true' "$OUT/manifests/kube-router.yaml"; then
  die "kube-router manifest still installs its own CNI: has daemonset/generic-kuberouter.yaml changed?"
fi
echo "$OUT/manifests/kube-router.yaml"
