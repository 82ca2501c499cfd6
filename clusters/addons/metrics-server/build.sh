#!/usr/bin/env bash
# metrics-server: the binary from sigs.k8s.io/metrics-server (no replace directives, so a plain `go install`), an
# image on scratch under the upstream name, and the module's own release manifests (manifests/overlays/release)
# rendered with kustomize plus the one flag kind needs: kubelets serve self-signed certificates.
# Usage: build.sh   (prints the manifests' directory)
source "$(dirname "$0")/../lib.sh"
V="$METRICS_SERVER_VERSION"
OUT="$KINDLAB_CACHE/metrics-server-$V"
if ! is_done "$OUT/bin"; then
  mkdir -p "$OUT/bin"
  run_logged metrics-server env GOBIN="$OUT/bin" nice -n "$KINDLAB_NICE" go install -trimpath \
    -ldflags "-s -w -X k8s.io/client-go/pkg/version.gitVersion=$V -X k8s.io/client-go/pkg/version.gitCommit=module-$V" \
    "sigs.k8s.io/metrics-server/cmd/metrics-server@$V"
  mark_done "$OUT/bin"
fi
KEY=$(addon_key metrics-server)
# Upstream runs it on distroless/static as a non-root user; scratch is the same for a static binary.
addon_image "$METRICS_SERVER_IMAGE" scratch "$KEY" '["/metrics-server"]' "$OUT/bin/metrics-server:/metrics-server"

work="$ADDON_TMP/manifests"
mkdir -p "$work"
cp -r "$(go_module_dir "sigs.k8s.io/metrics-server@$V")/manifests" "$work/upstream"
cp "$ADDONS_DIR/metrics-server/kustomization.yaml" "$work/"
chmod -R u+w "$work"
kustomize_images "$work" "registry.k8s.io/metrics-server/metrics-server=$METRICS_SERVER_IMAGE"
mkdir -p "$OUT/manifests"
render_kustomize "$work" "$work/all.yaml"
# The APIService goes in its own file, applied only once the Service has endpoints (install.sh says why).
python3 - "$work/all.yaml" "$OUT/manifests/metrics-server.yaml" "$OUT/manifests/apiservice.yaml" <<'PY'
import sys
docs = open(sys.argv[1]).read().split("\n---\n")
api = [d for d in docs if "\nkind: APIService\n" in "\n" + d + "\n"]
if len(api) != 1:
    sys.exit("expected one APIService in metrics-server's manifest, found %d" % len(api))
open(sys.argv[2], "w").write("\n---\n".join(d for d in docs if d not in api).rstrip("\n") + "\n")
open(sys.argv[3], "w").write(api[0].rstrip("\n") + "\n")
PY
grep -q "image: $METRICS_SERVER_IMAGE\$" "$OUT/manifests/metrics-server.yaml" \
  || die "metrics-server's release manifest no longer names $METRICS_SERVER_IMAGE: check its kustomize layout"
echo "$OUT/manifests"
