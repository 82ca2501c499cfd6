# metrics-server (the metrics API behind `kubectl top` and HPAs): sigs.k8s.io/metrics-server has no replace
# directives, so a plain `go install`; an image on scratch under the upstream name; the module's own release
# manifests (manifests/overlays/release) rendered with kustomize plus the one flag kind needs (kustomization.yaml).
version=$METRICS_SERVER_VERSION
build() {
  source "$CLUSTERS_DIR/addons/lib.sh"
  is_done "$OUT/bin" || { LDFLAGS_EXTRA="-X k8s.io/client-go/pkg/version.gitVersion=$version -X k8s.io/client-go/pkg/version.gitCommit=module-$version" \
    go_install "sigs.k8s.io/metrics-server/cmd/metrics-server@$version"; mark_done "$OUT/bin"; }
  local work; work=$(addon_workdir)
  cp -r "$(go_module_dir "sigs.k8s.io/metrics-server@$version")/manifests" "$work/upstream"
  cp "$ADDONS_DIR/metrics-server/kustomization.yaml" "$work/"
  chmod -R u+w "$work"
  kustomize_images "$work" "registry.k8s.io/metrics-server/metrics-server=$METRICS_SERVER_IMAGE"
  render_kustomize "$work" "$work/all.yaml"
  # The APIService is the add-on metrics-api (applied after the rollout: its README says why), so it goes.
  python3 - "$work/all.yaml" "$OUT/manifests/metrics-server.yaml" <<'PY'
import sys
docs = open(sys.argv[1]).read().split("\n---\n")
api = [d for d in docs if "\nkind: APIService\n" in "\n" + d + "\n"]
if len(api) != 1:
    sys.exit("expected one APIService in metrics-server's manifest, found %d" % len(api))
open(sys.argv[2], "w").write("\n---\n".join(d for d in docs if d not in api).rstrip("\n") + "\n")
PY
  rm -rf "$work"
  grep -q "image: $METRICS_SERVER_IMAGE\$" "$OUT/manifests/metrics-server.yaml" \
    || die "metrics-server's release manifest no longer names $METRICS_SERVER_IMAGE: check its kustomize layout"
}
# Upstream runs it on distroless/static as a non-root user; scratch is the same for a static binary.
image "$METRICS_SERVER_IMAGE" scratch --entrypoint '["/metrics-server"]' metrics-server:/metrics-server
