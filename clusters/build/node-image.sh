#!/usr/bin/env bash
# Build the kind node image offline, with every image a cluster needs already inside its containerd:
#   1. every image the component declarations (clusters/components/*.sh, clusters/addons/*/component.sh)
#      declare, each a docker build of locally built binaries on scratch, busybox or Debian;
#   2. the node image proper (clusters/images/node/Dockerfile) with every declared node file;
#   3. a container of it runs containerd, imports all image tarballs (kind's own recipe: no unpacking), and is
#      committed as the final image, tagged with a key of every input so a changed input means a new image.
# Usage: node-image.sh [--print-tag]
source "$(dirname "$0")/lib.sh"
DEBIAN_IMAGE=$(debian_image)

# Nodes that lack CAP_SYS_RESOURCE (the engine runs them through kindlab-runc) need containerd to clamp
# oom_score_adj; the image differs, so its key does too.
RESTRICT_OOM=false
if docker info --format '{{.DefaultRuntime}}' 2>/dev/null | grep -qx kindlab-runc; then RESTRICT_OOM=true; fi
# The key: versions, build scripts, component declarations, the Dockerfile, the manifest generator and the
# engine's capabilities. (Add-on manifests are applied after create and are not part of the image.)
# Files a component copies into its images (clusters/components/<name>/*) count as declarations too.
BUILD_KEY=$( (cat "$CLUSTERS_DIR/versions.env" "$CLUSTERS_DIR/build/"*.sh "$CLUSTERS_DIR/build/"*.py \
  $(component_files) $(find "$CLUSTERS_DIR/components" -mindepth 2 -type f | sort) \
  "$CLUSTERS_DIR/images/node/Dockerfile"; echo "restrict-oom=$RESTRICT_OOM") | sha256sum | cut -c1-10)
NODE_IMAGE="kindlab.local/node:$K8S_VERSION-$BUILD_KEY"
if [ "${1:-}" = --print-tag ]; then echo "$NODE_IMAGE"; exit 0; fi
# KINDLAB_REBUILD=1 rebuilds images that are present (the cold-build benchmark).
if [ -z "${KINDLAB_REBUILD:-}" ] && docker image inspect "$NODE_IMAGE" >/dev/null 2>&1; then info "node image $NODE_IMAGE: present"; exit 0; fi

load_components
for rec in "${DECL_NODE_FILES[@]}"; do
  [ -e "${rec%%|*}" ] || die "missing ${rec%%|*}: run clusters/build/components.sh first (make images)"
done
docker image inspect "$DEBIAN_IMAGE" >/dev/null 2>&1 || die "missing the Debian base image: run clusters/build/debian-base.sh"

WORK=$(mktemp -d "$KINDLAB_CACHE/node-build.XXXX")
STAGE="kindlab-node-build-$$"
cleanup() { docker rm -f "$STAGE" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

# debian_base TAG PKG...: the Debian base with these packages installed (from the Debian mirror), built once per key.
debian_base() {
  local tag="$1"; shift
  [ -z "${KINDLAB_REBUILD:-}" ] && docker image inspect "$tag" >/dev/null 2>&1 && return 0
  local ctx="$WORK/base-${tag//[^a-zA-Z0-9]/_}"
  mkdir -p "$ctx"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_IMAGE
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    $* && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
DOCKERFILE
  run_logged "base-image-${tag##*/}" docker build -q -t "$tag" "$ctx"
}
# Debian with the network tools kube-proxy and flannel run (the base named `netbase` in declarations).
NETBASE="kindlab.local/netbase:$DEBIAN_SUITE-$BUILD_KEY"
debian_base "$NETBASE" iptables nftables conntrack ipset iproute2 kmod ca-certificates

# build_image TAG BASE ENTRYPOINT-JSON CMD-JSON "SRC:DEST ...": one image from files, via a generated Dockerfile.
build_image() {
  local tag="$1" base="$2" entrypoint="$3" cmd="$4" files="$5" spec i=0
  case "$base" in
    netbase) base="$NETBASE" ;;
    busybox) base="$BUSYBOX_IMAGE" ;;
    debian:*)  # one base per package set, named by it
      local pkgs="${base#debian:}"
      base="kindlab.local/debian-$(sha256sum <<<"$pkgs" | cut -c1-8):$DEBIAN_SUITE-$BUILD_KEY"
      debian_base "$base" ${pkgs//,/ } ;;
  esac
  if [ -z "${KINDLAB_REBUILD:-}" ] && docker image inspect "$tag" >/dev/null 2>&1 && [ "$(docker image inspect -f '{{index .Config.Labels "kindlab.key"}}' "$tag")" = "$BUILD_KEY" ]; then
    return 0
  fi
  local ctx="$WORK/ctx-${tag//[^a-zA-Z0-9]/_}"
  mkdir -p "$ctx"
  { echo "FROM $base"
    for spec in $files; do cp "${spec%%:*}" "$ctx/f$i"; echo "COPY f$i ${spec#*:}"; i=$((i + 1)); done
    printf '%s' "${DECL_STEPS[$tag]:-}"
    echo "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin"
    echo "LABEL kindlab.key=$BUILD_KEY"
    [ -z "$entrypoint" ] || echo "ENTRYPOINT $entrypoint"
    [ -z "$cmd" ] || echo "CMD $cmd"
  } >"$ctx/Dockerfile"
  run_logged "image-${tag##*/}" docker build -q -t "$tag" "$ctx"
}

# Every declared image: built ones first, then other names for them; prebuilt ones must exist.
for rec in "${DECL_IMAGES[@]}"; do
  IFS='|' read -r comp tag how base entrypoint cmd _ files <<<"$rec"
  case "$how" in
    build) build_image "$tag" "$base" "$entrypoint" "$cmd" "$files" ;;
    prebuilt) docker image inspect "$tag" >/dev/null 2>&1 || die "missing $tag (component $comp): it is built by $base" ;;
  esac
done
for rec in "${DECL_IMAGES[@]}"; do
  IFS='|' read -r _ tag how base _ <<<"$rec"
  [ "$how" != alias ] || docker tag "$base" "$tag"
done
mapfile -t IMAGES < <(preload_images)

# The node image's build context: kind's base files, every declared node file, kind's manifests.
ctx="$WORK/node"
mkdir -p "$ctx/rootfs"
kind_dir=$(go_module_dir "sigs.k8s.io/kind@$KIND_VERSION")
flannel_dir=$(go_module_dir "github.com/flannel-io/flannel@$FLANNEL_VERSION")
cp -r "$kind_dir/images/base/files" "$ctx/kind-files" && chmod -R u+w "$ctx/kind-files"
for rec in "${DECL_NODE_FILES[@]}"; do
  dest="$ctx/rootfs/${rec#*|}"
  mkdir -p "$(dirname "$dest")"; [[ $dest == */ ]] && mkdir -p "$dest"
  cp "${rec%%|*}" "$dest"
done
echo "$K8S_VERSION" >"$ctx/version"
python3 "$CLUSTERS_DIR/build/kind_manifests.py" "$kind_dir" "$flannel_dir" "$ctx/manifests" \
  "$(declared_images flannel)" "$(declared_images flannel-cni-plugin)"
cp "$CLUSTERS_DIR/images/node/Dockerfile" "$ctx/Dockerfile"
run_logged node-base-image docker build -q --build-arg "BASE=$DEBIAN_IMAGE" \
  --build-arg "RESTRICT_OOM_SCORE_ADJ=$RESTRICT_OOM" -t "kindlab.local/node-base:$BUILD_KEY" "$ctx"

# Preload: containerd in a privileged container of the new image; images imported without unpacking.
info "importing ${#IMAGES[@]} images into the node image's containerd"
docker run -d --name "$STAGE" --privileged --entrypoint sleep "kindlab.local/node-base:$BUILD_KEY" infinity >/dev/null
docker exec "$STAGE" bash -c 'nohup containerd >/var/log/containerd-build.log 2>&1 &'
deadline=$((SECONDS + 60))
until docker exec "$STAGE" ctr version >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || { docker exec "$STAGE" cat /var/log/containerd-build.log >&2; die "containerd did not start in the node image within 60s"; }
  sleep 1
done
for image in "${IMAGES[@]}"; do
  docker save "$image" | docker exec -i "$STAGE" ctr --namespace=k8s.io images import --no-unpack --digests --all-platforms - \
    >>"$LOG_DIR/node-image-import.log" 2>&1 || die "importing $image into the node image failed; log: $LOG_DIR/node-image-import.log"
done
docker exec "$STAGE" ctr --namespace=k8s.io images list -q | sort >"$LOG_DIR/node-image-contents.txt"
for image in "${IMAGES[@]}"; do
  grep -qx "$(sed -E 's#^([^/]+\.[^/]+/)?#&#; t; s#^#docker.io/#' <<<"$image")" "$LOG_DIR/node-image-contents.txt" \
    || grep -q "$image" "$LOG_DIR/node-image-contents.txt" || die "$image missing from the node image after import"
done
# PID 1 here is sleep, which reaps nobody: a stopped containerd stays a zombie, so wait for no live one.
docker exec "$STAGE" bash -c 'pkill -x containerd; for i in $(seq 1 30); do ps -C containerd -o stat= | grep -qv Z || exit 0; sleep 1; done; exit 1' \
  || die "containerd did not stop in the node image build container"
docker commit --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' --change 'CMD []' \
  "$STAGE" "$NODE_IMAGE" >/dev/null
docker image rm "kindlab.local/node-base:$BUILD_KEY" >/dev/null 2>&1 || true
info "node image $NODE_IMAGE built ($(docker image inspect -f '{{.Size}}' "$NODE_IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
