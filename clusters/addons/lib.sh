# Shared helpers for the add-on build and install scripts. Source it; do not run it.
# Builds go to $KINDLAB_CACHE/<name>-<version> (clusters/build/lib.sh); images keep upstream names (versions.env).
source "$(dirname "${BASH_SOURCE[0]}")/../build/lib.sh"
ADDONS_DIR="$CLUSTERS_DIR/addons"
# shellcheck source=versions.env
source "$ADDONS_DIR/versions.env"

# Scratch space of one script run (image contexts, manifest renders), removed however the script ends.
ADDON_TMP=$(mktemp -d "$KINDLAB_CACHE/addon-tmp.XXXX")
trap 'rm -rf "$ADDON_TMP"' EXIT

# Go builds run at this niceness, yielding to everything else on the machine (2 cores shared with tests).
export KINDLAB_NICE="${KINDLAB_NICE:-15}"

# kubectl of the cluster's own Kubernetes build when present (its kustomize renders the upstream manifests).
addon_kubectl() {
  local built="$KINDLAB_CACHE/kubernetes-$K8S_VERSION/bin/kubectl"
  if [ -x "$built" ]; then "$built" "$@"; else command -v kubectl >/dev/null || die "no kubectl: run make setup"; kubectl "$@"; fi
}

# addon_key NAME: a hash of everything an add-on's image and manifests are made from, so a change rebuilds them.
addon_key() {
  (cat "$ADDONS_DIR/versions.env" "$ADDONS_DIR/lib.sh"; find "$ADDONS_DIR/$1" -type f | sort | xargs cat) | sha256sum | cut -c1-10
}

# addon_image TAG BASE KEY 'ENTRYPOINT-JSON' SRC:DEST... : an image from local files on BASE (scratch, busybox or
# the Debian base), skipped when an image of that tag was already made from the same inputs (label kindlab.key).
addon_image() {
  local tag="$1" base="$2" key="$3" entrypoint="$4"; shift 4
  if [ -z "${KINDLAB_REBUILD:-}" ] && [ "$(docker image inspect -f '{{index .Config.Labels "kindlab.key"}}' "$tag" 2>/dev/null)" = "$key" ]; then
    info "image $tag: present"; return 0
  fi
  local ctx i=0
  ctx=$(mktemp -d "$ADDON_TMP/image.XXXX")
  { echo "FROM $base"
    for spec in "$@"; do cp -r "${spec%%:*}" "$ctx/f$i"; echo "COPY f$i ${spec#*:}"; i=$((i + 1)); done
    echo "LABEL kindlab.key=$key"
    [ -z "$entrypoint" ] || echo "ENTRYPOINT $entrypoint"
  } >"$ctx/Dockerfile"
  run_logged "image-$(tr -c 'a-zA-Z0-9.\n-' _ <<<"${tag##*/}")" docker build -q -t "$tag" "$ctx"
}

# addon_debian_image TAG KEY 'ENTRYPOINT-JSON' 'PACKAGES' SRC:DEST... : like addon_image, on the Debian base with
# Debian packages installed (for add-ons that run iptables/ipset).
addon_debian_image() {
  local tag="$1" key="$2" entrypoint="$3" packages="$4"; shift 4
  local base="kindlab.local/addon-base:$DEBIAN_SUITE-$(sha256sum <<<"$packages" | cut -c1-10)"
  docker image inspect "kindlab.local/debian:$DEBIAN_SUITE" >/dev/null 2>&1 \
    || die "missing the Debian base image kindlab.local/debian:$DEBIAN_SUITE: run clusters/build/debian-base.sh"
  if ! docker image inspect "$base" >/dev/null 2>&1; then
    local ctx
    ctx=$(mktemp -d "$ADDON_TMP/base.XXXX")
    printf 'FROM kindlab.local/debian:%s\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends %s && rm -rf /var/lib/apt/lists/*\n' \
      "$DEBIAN_SUITE" "$packages" >"$ctx/Dockerfile"
    run_logged addon-base-image docker build -q -t "$base" "$ctx"
  fi
  addon_image "$tag" "$base" "$key" "$entrypoint" "$@"
}

# kustomize_images DIR UPSTREAM-NAME=IMAGE...: point a kustomization's images at the local ones (versions.env is
# the one place their names and tags are written).
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

# wait_rollout KUBECTL-ARGS... -- KIND/NAME NAMESPACE SECONDS: wait for a rollout; on timeout show why.
wait_rollout() {
  local args=() ; while [ "$1" != -- ]; do args+=("$1"); shift; done; shift
  local obj="$1" ns="$2" secs="$3"
  if ! addon_kubectl "${args[@]}" -n "$ns" rollout status "$obj" --timeout="${secs}s" >&2; then
    addon_kubectl "${args[@]}" -n "$ns" get pods -o wide >&2 || true
    addon_kubectl "${args[@]}" -n "$ns" get events --sort-by=.lastTimestamp 2>/dev/null | tail -n 15 >&2 || true
    die "$obj in $ns not ready within ${secs}s (pods and recent events above)"
  fi
}
