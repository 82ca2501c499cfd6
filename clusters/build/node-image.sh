#!/usr/bin/env bash
# Build the kind node image offline, with every image a cluster needs already inside its containerd:
#   1. component images (control plane, kube-proxy, etcd, CoreDNS, pause, flannel, local-path) and lab images
#      (agnhost, busybox), each a docker build of locally built binaries on scratch, busybox or Debian;
#   2. the node image proper (clusters/images/node/Dockerfile);
#   3. a container of it runs containerd, imports all image tarballs (kind's own recipe: no unpacking), and is
#      committed as the final image, tagged with a key of every input so a changed input means a new image.
# Usage: node-image.sh [--print-tag]
source "$(dirname "$0")/lib.sh"

# Nodes that lack CAP_SYS_RESOURCE (the engine runs them through kindlab-runc) need containerd to clamp
# oom_score_adj; the image differs, so its key does too.
RESTRICT_OOM=false
if docker info --format '{{.DefaultRuntime}}' 2>/dev/null | grep -qx kindlab-runc; then RESTRICT_OOM=true; fi
# The key: versions, this script, the Dockerfile, the manifest generator and the engine's capabilities.
BUILD_KEY=$( (cat "$CLUSTERS_DIR/versions.env" "$CLUSTERS_DIR/build/"*.sh "$CLUSTERS_DIR/build/"*.py \
  "$CLUSTERS_DIR/images/node/Dockerfile"; echo "restrict-oom=$RESTRICT_OOM") | sha256sum | cut -c1-10)
NODE_IMAGE="kindlab.local/node:$K8S_VERSION-$BUILD_KEY"
if [ "${1:-}" = --print-tag ]; then echo "$NODE_IMAGE"; exit 0; fi
# KINDLAB_REBUILD=1 rebuilds images that are present (the cold-build benchmark).
if [ -z "${KINDLAB_REBUILD:-}" ] && docker image inspect "$NODE_IMAGE" >/dev/null 2>&1; then info "node image $NODE_IMAGE: present"; exit 0; fi

K8S_BIN="$KINDLAB_CACHE/kubernetes-$K8S_VERSION/bin"
bin_of() { echo "$KINDLAB_CACHE/$1/bin/$2"; }
for f in "$K8S_BIN/kubeadm" "$(bin_of "containerd-$CONTAINERD_VERSION" containerd)" "$(bin_of "etcd-$ETCD_VERSION" etcd)"; do
  [ -x "$f" ] || die "missing $f: run clusters/build/kubernetes.sh and clusters/build/components.sh first (make images)"
done
docker image inspect "kindlab.local/debian:$DEBIAN_SUITE" >/dev/null 2>&1 || die "missing the Debian base image: run clusters/build/debian-base.sh"

WORK=$(mktemp -d "$KINDLAB_CACHE/node-build.XXXX")
STAGE="kindlab-node-build-$$"
cleanup() { docker rm -f "$STAGE" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

# build_image TAG BASE 'ENTRYPOINT-JSON' 'CMD-JSON' SRC:DEST... : one image from files, via a generated Dockerfile.
build_image() {
  local tag="$1" base="$2" entrypoint="$3" cmd="$4"; shift 4
  if [ -z "${KINDLAB_REBUILD:-}" ] && docker image inspect "$tag" >/dev/null 2>&1 && [ "$(docker image inspect -f '{{index .Config.Labels "kindlab.key"}}' "$tag")" = "$BUILD_KEY" ]; then
    return 0
  fi
  local ctx="$WORK/ctx-${tag//[^a-zA-Z0-9]/_}" i=0
  mkdir -p "$ctx"
  { echo "FROM $base"
    for spec in "$@"; do cp "${spec%%:*}" "$ctx/f$i"; echo "COPY f$i ${spec#*:}"; i=$((i + 1)); done
    echo "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin"
    echo "LABEL kindlab.key=$BUILD_KEY"
    [ -z "$entrypoint" ] || echo "ENTRYPOINT $entrypoint"
    [ -z "$cmd" ] || echo "CMD $cmd"
  } >"$ctx/Dockerfile"
  run_logged "image-${tag##*/}" docker build -q -t "$tag" "$ctx"
}

NETBASE="kindlab.local/netbase:$DEBIAN_SUITE-$BUILD_KEY"
if [ -n "${KINDLAB_REBUILD:-}" ] || ! docker image inspect "$NETBASE" >/dev/null 2>&1; then
  mkdir -p "$WORK/netbase"
  cat >"$WORK/netbase/Dockerfile" <<DOCKERFILE
FROM kindlab.local/debian:$DEBIAN_SUITE
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    iptables nftables conntrack ipset iproute2 kmod ca-certificates && rm -rf /var/lib/apt/lists/*
DOCKERFILE
  run_logged netbase-image docker build -q -t "$NETBASE" "$WORK/netbase"
fi

FLANNEL_IMAGE="kindlab.local/flannel:$FLANNEL_VERSION"
FLANNEL_CNI_IMAGE="kindlab.local/flannel-cni-plugin:$FLANNEL_CNI_PLUGINS_VERSION"
R=registry.k8s.io
for c in kube-apiserver kube-controller-manager kube-scheduler; do
  build_image "$R/$c:$K8S_VERSION" scratch "" "" "$K8S_BIN/$c:/usr/local/bin/$c"
done
build_image "$R/kube-proxy:$K8S_VERSION" "$NETBASE" "" "" "$K8S_BIN/kube-proxy:/usr/local/bin/kube-proxy"
build_image "$R/etcd:$ETCD_IMAGE_TAG" scratch "" "" \
  "$(bin_of "etcd-$ETCD_VERSION" etcd):/usr/local/bin/etcd" "$(bin_of "etcd-$ETCD_VERSION" etcdctl):/usr/local/bin/etcdctl"
build_image "$R/coredns/coredns:$COREDNS_VERSION" scratch '["/coredns"]' "" "$(bin_of "coredns-$COREDNS_VERSION" coredns):/coredns"
build_image "$PAUSE_IMAGE" scratch '["/pause"]' "" "$(bin_of "pause-$K8S_VERSION" pause):/pause"
docker tag "$PAUSE_IMAGE" "${PAUSE_IMAGE%:*}:3.10.1"  # kubeadm's own pause tag, for its image list
build_image "$FLANNEL_IMAGE" "$NETBASE" '["/opt/bin/flanneld"]' "" "$(bin_of "flannel-$FLANNEL_VERSION" flannel):/opt/bin/flanneld"
build_image "$FLANNEL_CNI_IMAGE" "$BUSYBOX_IMAGE" "" "" "$(bin_of "flannel-cni-plugin-$FLANNEL_CNI_PLUGINS_VERSION" flannel):/flannel"
build_image "$LOCAL_PATH_PROVISIONER_IMAGE" scratch "" "" \
  "$(bin_of "local-path-provisioner-$LOCAL_PATH_PROVISIONER_VERSION" local-path-provisioner):/usr/local/bin/local-path-provisioner"
docker tag "$BUSYBOX_IMAGE" "$LOCAL_PATH_HELPER_IMAGE"  # the helper needs only sh, mkdir, rm
build_image "$AGNHOST_IMAGE" "$BUSYBOX_IMAGE" '["/agnhost"]' '["pause"]' "$K8S_BIN/agnhost:/agnhost"

IMAGES=("$R/kube-apiserver:$K8S_VERSION" "$R/kube-controller-manager:$K8S_VERSION" "$R/kube-scheduler:$K8S_VERSION"
  "$R/kube-proxy:$K8S_VERSION" "$R/etcd:$ETCD_IMAGE_TAG" "$R/coredns/coredns:$COREDNS_VERSION" "$PAUSE_IMAGE"
  "${PAUSE_IMAGE%:*}:3.10.1" "$FLANNEL_IMAGE" "$FLANNEL_CNI_IMAGE" "$LOCAL_PATH_PROVISIONER_IMAGE"
  "$LOCAL_PATH_HELPER_IMAGE" "$AGNHOST_IMAGE" "$BUSYBOX_IMAGE")

# The node image's build context.
ctx="$WORK/node"
mkdir -p "$ctx/bin" "$ctx/cni" "$ctx/k8s"
kind_dir=$(go_module_dir "sigs.k8s.io/kind@$KIND_VERSION")
flannel_dir=$(go_module_dir "github.com/flannel-io/flannel@$FLANNEL_VERSION")
cp -r "$kind_dir/images/base/files" "$ctx/kind-files" && chmod -R u+w "$ctx/kind-files"
cp "$(bin_of "containerd-$CONTAINERD_VERSION" containerd)" "$(bin_of "containerd-$CONTAINERD_VERSION" ctr)" \
   "$(bin_of "containerd-$CONTAINERD_VERSION" containerd-shim-runc-v2)" "$(bin_of "crictl-$CRICTL_VERSION" crictl)" "$ctx/bin/"
for p in host-local loopback ptp bridge portmap; do cp "$(bin_of "cni-plugins-$CNI_PLUGINS_VERSION" "$p")" "$ctx/cni/"; done
cp "$K8S_BIN/kubeadm" "$K8S_BIN/kubelet" "$K8S_BIN/kubectl" "$ctx/k8s/"
echo "$K8S_VERSION" >"$ctx/version"
python3 "$CLUSTERS_DIR/build/kind_manifests.py" "$kind_dir" "$flannel_dir" "$ctx/manifests" "$FLANNEL_IMAGE" "$FLANNEL_CNI_IMAGE"
cp "$CLUSTERS_DIR/images/node/Dockerfile" "$ctx/Dockerfile"
run_logged node-base-image docker build -q --build-arg "BASE=kindlab.local/debian:$DEBIAN_SUITE" \
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
