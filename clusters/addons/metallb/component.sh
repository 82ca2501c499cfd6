# MetalLB in L2 mode, native speaker (no FRR): controller and speaker from go.universe.tf/metallb (no replace
# directives at this version, so a plain `go install`), images on scratch under the upstream names, and the
# module's own published config/manifests/metallb-native.yaml. The address pool is the add-on metallb-pool.
version=$METALLB_VERSION
build() {
  source "$CLUSTERS_DIR/addons/lib.sh"
  is_done "$OUT/bin" || { LDFLAGS_EXTRA="-X go.universe.tf/metallb/internal/version.gitCommit=module-$version -X go.universe.tf/metallb/internal/version.gitBranch=$version" \
    go_install "go.universe.tf/metallb/controller@$version" "go.universe.tf/metallb/speaker@$version"; mark_done "$OUT/bin"; }
  local work image; work=$(addon_workdir)
  mkdir -p "$work/upstream"
  cp "$(go_module_dir "go.universe.tf/metallb@$version")/config/manifests/metallb-native.yaml" "$work/upstream/"
  cp "$ADDONS_DIR/metallb/kustomization.yaml" "$work/"
  chmod -R u+w "$work"
  kustomize_images "$work" "quay.io/metallb/controller=$METALLB_CONTROLLER_IMAGE" "quay.io/metallb/speaker=$METALLB_SPEAKER_IMAGE"
  render_kustomize "$work" "$OUT/manifests/metallb.yaml"
  rm -rf "$work"
  for image in "$METALLB_CONTROLLER_IMAGE" "$METALLB_SPEAKER_IMAGE"; do
    grep -q "image: $image\$" "$OUT/manifests/metallb.yaml" || die "metallb-native.yaml no longer names $image"
  done
}
# Upstream uses distroless/static; both binaries are static and the native speaker needs no FRR tools.
image "$METALLB_CONTROLLER_IMAGE" scratch --entrypoint '["/controller"]' controller:/controller
image "$METALLB_SPEAKER_IMAGE" scratch --entrypoint '["/speaker"]' speaker:/speaker
