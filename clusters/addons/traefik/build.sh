#!/usr/bin/env bash
# Traefik v3 as the Ingress controller and Gateway API implementation: the binary from github.com/traefik/traefik/v3
# built through a wrapper module carrying Traefik's own replace and exclude directives (read from its go.mod at
# build time: forks of go-http-auth, mux and minheap that the proxy serves), an image on scratch, Traefik's
# published RBAC from its docs, the Gateway API CRDs from sigs.k8s.io/gateway-api, and traefik.yaml.
# Usage: build.sh   (prints the manifests' directory)
source "$(dirname "$0")/../lib.sh"
V="$TRAEFIK_VERSION"
OUT="$KINDLAB_CACHE/traefik-$V"
mod="github.com/traefik/traefik/v3"
if ! is_done "$OUT/bin"; then
  mod_dir=$(go_module_dir "$mod@$V")
  mkdir -p "$OUT/wrapper" "$OUT/bin"
  { printf 'module kindlab.local/wrapper\n\n%s\n\nrequire %s %s\n\n' "$(grep -m1 '^go ' "$mod_dir/go.mod")" "$mod" "$V"
    sed -n '/^replace (/,/^)/p; /^replace [^(]/p; /^exclude/p' "$mod_dir/go.mod"
  } >"$OUT/wrapper/go.mod"
  if grep -q '=> \.' "$OUT/wrapper/go.mod"; then
    die "traefik $V replaces a module by a local path, which a module download lacks: pick a version without (see versions.env)"
  fi
  printf '//go:build tools\npackage tools\nimport _ "%s/cmd/traefik"\n' "$mod" >"$OUT/wrapper/tools.go"
  # Resolve the whole module graph first (download only), so a module the proxy refuses is named before compiling.
  run_logged traefik-modules bash -c "cd '$OUT/wrapper' && nice -n $KINDLAB_NICE go mod tidy"
  run_logged traefik bash -c "cd '$OUT/wrapper' && nice -n $KINDLAB_NICE go build -trimpath -ldflags '-s -w \
    -X $mod/pkg/version.Version=$V -X $mod/pkg/version.Codename=kindlab -X $mod/pkg/version.BuildDate=module' \
    -o '$OUT/bin/traefik' $mod/cmd/traefik"
  mark_done "$OUT/bin"
fi
KEY=$(addon_key traefik)
# Scratch: a static binary that here needs neither CA certificates (no ACME, no internet) nor a shell.
addon_image "$TRAEFIK_IMAGE" scratch "$KEY" '["/traefik"]' "$OUT/bin/traefik:/traefik"

work="$ADDON_TMP/manifests"
mkdir -p "$work/traefik/upstream" "$work/crds/upstream" "$OUT/manifests"
docs="$(go_module_dir "$mod@$V")/docs/content/reference/dynamic-configuration"
cp "$docs/kubernetes-crd-rbac.yml" "$docs/kubernetes-gateway-rbac.yml" "$work/traefik/upstream/"
cp "$ADDONS_DIR/traefik/kustomization.yaml" "$ADDONS_DIR/traefik/traefik.yaml" "$work/traefik/"
cp -r "$(go_module_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")/config" "$work/crds/upstream/"
cp "$ADDONS_DIR/traefik/crds-kustomization.yaml" "$work/crds/kustomization.yaml"
chmod -R u+w "$work"
kustomize_images "$work/traefik" "docker.io/library/traefik=$TRAEFIK_IMAGE"
render_kustomize "$work/crds" "$OUT/manifests/gateway-api-crds.yaml"
render_kustomize "$work/traefik" "$OUT/manifests/traefik.yaml"
grep -q "image: $TRAEFIK_IMAGE\$" "$OUT/manifests/traefik.yaml" || die "traefik manifest does not name $TRAEFIK_IMAGE"
[ "$(grep -c '^kind: CustomResourceDefinition' "$OUT/manifests/gateway-api-crds.yaml")" -ge 5 ] \
  || die "gateway-api $GATEWAY_API_VERSION config/crd did not render its CRDs"
echo "$OUT/manifests"
