# Traefik v3 as the Ingress controller and Gateway API implementation: the binary from github.com/traefik/traefik/v3
# built through a wrapper module carrying Traefik's own replace and exclude directives (read from its go.mod:
# forks of go-http-auth, mux and minheap that the proxy serves), an image on scratch, Traefik's published RBAC
# from its docs, the Gateway API CRDs from sigs.k8s.io/gateway-api, and traefik.yaml (kept here).
version=$TRAEFIK_VERSION
build() {
  source "$CLUSTERS_DIR/addons/lib.sh"
  local mod="github.com/traefik/traefik/v3" mod_dir
  mod_dir=$(go_module_dir "$mod@$version")
  if ! is_done "$OUT/bin"; then
    mkdir -p "$OUT/wrapper"
    { printf 'module kindlab.local/wrapper\n\n%s\n\nrequire %s %s\n\n' "$(grep -m1 '^go ' "$mod_dir/go.mod")" "$mod" "$version"
      sed -n '/^replace (/,/^)/p; /^replace [^(]/p; /^exclude/p' "$mod_dir/go.mod"
    } >"$OUT/wrapper/go.mod"
    if grep -q '=> \.' "$OUT/wrapper/go.mod"; then
      die "traefik $version replaces a module by a local path, which a module download lacks: pick a version without (see versions.env)"
    fi
    printf '//go:build tools\npackage tools\nimport _ "%s/cmd/traefik"\n' "$mod" >"$OUT/wrapper/tools.go"
    # Resolve the whole module graph first (download only), so a module the proxy refuses is named before compiling.
    run_logged traefik-modules bash -c "cd '$OUT/wrapper' && go mod tidy"
    run_logged traefik bash -c "cd '$OUT/wrapper' && go build -trimpath -ldflags '-s -w \
      -X $mod/pkg/version.Version=$version -X $mod/pkg/version.Codename=kindlab -X $mod/pkg/version.BuildDate=module' \
      -o '$OUT/bin/traefik' $mod/cmd/traefik"
    mark_done "$OUT/bin"
  fi
  local work docs="$mod_dir/docs/content/reference/dynamic-configuration"; work=$(addon_workdir)
  mkdir -p "$work/traefik/upstream" "$work/crds/upstream"
  cp "$docs/kubernetes-crd-rbac.yml" "$docs/kubernetes-gateway-rbac.yml" "$work/traefik/upstream/"
  cp "$ADDONS_DIR/traefik/kustomization.yaml" "$ADDONS_DIR/traefik/traefik.yaml" "$work/traefik/"
  cp -r "$(go_module_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")/config" "$work/crds/upstream/"
  cp "$ADDONS_DIR/traefik/crds-kustomization.yaml" "$work/crds/kustomization.yaml"
  chmod -R u+w "$work"
  kustomize_images "$work/traefik" "docker.io/library/traefik=$TRAEFIK_IMAGE"
  render_kustomize "$work/crds" "$OUT/manifests/gateway-api-crds.yaml"
  render_kustomize "$work/traefik" "$OUT/manifests/traefik.yaml"
  rm -rf "$work"
  grep -q "image: $TRAEFIK_IMAGE\$" "$OUT/manifests/traefik.yaml" || die "traefik manifest does not name $TRAEFIK_IMAGE"
  [ "$(grep -c '^kind: CustomResourceDefinition' "$OUT/manifests/gateway-api-crds.yaml")" -ge 5 ] \
    || die "gateway-api $GATEWAY_API_VERSION config/crd did not render its CRDs"
}
# Scratch: a static binary that here needs neither CA certificates (no ACME, no internet) nor a shell.
image "$TRAEFIK_IMAGE" scratch --entrypoint '["/traefik"]' traefik:/traefik
