#!/usr/bin/env bash
# MetalLB in L2 mode, native speaker (no FRR): controller and speaker from go.universe.tf/metallb (no replace
# directives at this version, so a plain `go install`), images on scratch under the upstream names, and the
# module's own published manifest config/manifests/metallb-native.yaml.
# Usage: build.sh   (prints the manifest's path; the address pool is made at install time by pool.sh)
source "$(dirname "$0")/../lib.sh"
V="$METALLB_VERSION"
OUT="$KINDLAB_CACHE/metallb-$V"
if ! is_done "$OUT/bin"; then
  mkdir -p "$OUT/bin"
  run_logged metallb env GOBIN="$OUT/bin" nice -n "$KINDLAB_NICE" go install -trimpath \
    -ldflags "-s -w -X go.universe.tf/metallb/internal/version.gitCommit=module-$V -X go.universe.tf/metallb/internal/version.gitBranch=$V" \
    "go.universe.tf/metallb/controller@$V" "go.universe.tf/metallb/speaker@$V"
  mark_done "$OUT/bin"
fi
KEY=$(addon_key metallb)
# Upstream uses distroless/static; both binaries are static and the native speaker needs no FRR tools.
addon_image "$METALLB_CONTROLLER_IMAGE" scratch "$KEY" '["/controller"]' "$OUT/bin/controller:/controller"
addon_image "$METALLB_SPEAKER_IMAGE" scratch "$KEY" '["/speaker"]' "$OUT/bin/speaker:/speaker"

work="$ADDON_TMP/manifests"
mkdir -p "$work"
mkdir -p "$work/upstream" "$OUT/manifests"
cp "$(go_module_dir "go.universe.tf/metallb@$V")/config/manifests/metallb-native.yaml" "$work/upstream/"
cp "$ADDONS_DIR/metallb/kustomization.yaml" "$work/"
chmod -R u+w "$work"
kustomize_images "$work" "quay.io/metallb/controller=$METALLB_CONTROLLER_IMAGE" "quay.io/metallb/speaker=$METALLB_SPEAKER_IMAGE"
render_kustomize "$work" "$OUT/manifests/metallb.yaml"
for image in "$METALLB_CONTROLLER_IMAGE" "$METALLB_SPEAKER_IMAGE"; do
  grep -q "image: $image\$" "$OUT/manifests/metallb.yaml" || die "metallb-native.yaml no longer names $image"
done
echo "$OUT/manifests/metallb.yaml"
