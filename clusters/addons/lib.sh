# Helpers of the add-ons' build() functions (clusters/addons/*/component.sh), which render each add-on's manifests
# from its module's own published files plus the small overlay kept in its folder. Sourced inside build().
ADDONS_DIR="$CLUSTERS_DIR/addons"

# addon_kubectl ARGS...: the kubectl of the cluster's own Kubernetes build (its kustomize renders the manifests).
addon_kubectl() {
  local built="$KINDLAB_CACHE/kubernetes-$K8S_VERSION/bin/kubectl"
  if [ -x "$built" ]; then "$built" "$@"; else command -v kubectl >/dev/null || die "no kubectl: run make setup"; kubectl "$@"; fi
}

# kustomize_images DIR UPSTREAM-NAME=IMAGE...: point a kustomization's images at the declared ones (versions.env
# is the one place their names and tags are written).
kustomize_images() {
  local k="$1/kustomization.yaml" spec; shift
  grep -q '^images:' "$k" && die "$k has its own images: list; versions.env names the images"
  echo "images:" >>"$k"
  for spec in "$@"; do
    printf '  - name: %s\n    newName: %s\n    newTag: %s\n' "${spec%%=*}" "$(sed 's/:[^:/]*$//' <<<"${spec#*=}")" "${spec##*:}" >>"$k"
  done
}

# render_kustomize DIR OUT: render a kustomization (kubectl's built-in kustomize) into OUT.
render_kustomize() {
  # Its warnings (upstream's deprecated commonLabels) are shown only when rendering fails.
  addon_kubectl kustomize "$1" >"$2.tmp" 2>"$2.err" || { cat "$2.err" >&2; die "rendering $1 failed"; }
  mv "$2.tmp" "$2"; rm -f "$2.err"
}

# addon_workdir: a fresh scratch directory for one render, under $OUT (removed by the caller when done).
addon_workdir() { rm -rf "$OUT/render"; mkdir -p "$OUT/render" "$OUT/manifests"; echo "$OUT/render"; }
