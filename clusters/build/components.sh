#!/usr/bin/env bash
# Build every cluster component except Kubernetes itself (see kubernetes.sh) from Go modules, each into its own
# cache directory keyed by its version: containerd, crictl, CNI plugins, flannel, etcd, CoreDNS,
# local-path-provisioner, and pause (from the Kubernetes module's C source).
source "$(dirname "$0")/lib.sh"

# go_install NAME VERSION PKG@VER...: `go install` packages into $KINDLAB_CACHE/NAME-VERSION/bin.
go_install() {
  local name="$1" version="$2"; shift 2
  local out="$KINDLAB_CACHE/$name-$version"
  is_done "$out" && return 0
  mkdir -p "$out/bin"
  run_logged "$name" env GOBIN="$out/bin" go install -trimpath -ldflags "-s -w ${LDFLAGS_EXTRA:-}" ${GO_TAGS:+-tags "$GO_TAGS"} "$@"
  mark_done "$out"
}

# containerd's go.mod has exclude directives, so it is built from a wrapper module (lib.sh).
cd_out="$KINDLAB_CACHE/containerd-$CONTAINERD_VERSION"
cd_mod="github.com/containerd/containerd/v2"
if ! is_done "$cd_out"; then
  GO_TAGS="no_aufs no_zfs no_btrfs no_devmapper" \
  LDFLAGS_EXTRA="-X $cd_mod/version.Version=$CONTAINERD_VERSION -X $cd_mod/version.Package=$cd_mod" \
    run_logged containerd go_wrapper_build "$cd_out" "$cd_mod $CONTAINERD_VERSION" \
    "$cd_mod/cmd/containerd" "$cd_mod/cmd/ctr" "$cd_mod/cmd/containerd-shim-runc-v2"
  mark_done "$cd_out"
fi

go_install crictl "$CRICTL_VERSION" "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"

cni="github.com/containernetworking/plugins/plugins"
go_install cni-plugins "$CNI_PLUGINS_VERSION" \
  "$cni/ipam/host-local@$CNI_PLUGINS_VERSION" "$cni/main/loopback@$CNI_PLUGINS_VERSION" \
  "$cni/main/ptp@$CNI_PLUGINS_VERSION" "$cni/main/bridge@$CNI_PLUGINS_VERSION" \
  "$cni/meta/portmap@$CNI_PLUGINS_VERSION"
go_install flannel-cni-plugin "$FLANNEL_CNI_PLUGINS_VERSION" "$cni/meta/flannel@$FLANNEL_CNI_PLUGINS_VERSION"

# flannel's UDP backend is cgo; its image is Debian, the same libc as this build host.
CGO_ENABLED=1 LDFLAGS_EXTRA="-X github.com/flannel-io/flannel/pkg/version.Version=$FLANNEL_VERSION" \
  go_install flannel "$FLANNEL_VERSION" "github.com/flannel-io/flannel@$FLANNEL_VERSION"

LDFLAGS_EXTRA="-X github.com/coredns/coredns/coremain.GitCommit=module-$COREDNS_VERSION" \
  go_install coredns "$COREDNS_VERSION" "github.com/coredns/coredns@$COREDNS_VERSION"

go_install local-path-provisioner "$LOCAL_PATH_PROVISIONER_VERSION" \
  "github.com/rancher/local-path-provisioner@$LOCAL_PATH_PROVISIONER_VERSION"

# etcd's server and etcdctl modules replace their sibling modules with ../ paths, which `go install` refuses:
# build them from a wrapper module that requires the published siblings at the same version.
etcd_out="$KINDLAB_CACHE/etcd-$ETCD_VERSION"
if ! is_done "$etcd_out"; then
  e="go.etcd.io/etcd"
  run_logged etcd go_wrapper_build "$etcd_out" \
    "$e/server/v3 $ETCD_VERSION;$e/etcdctl/v3 $ETCD_VERSION;$e/api/v3 $ETCD_VERSION;$e/client/pkg/v3 $ETCD_VERSION;$e/client/v3 $ETCD_VERSION;$e/pkg/v3 $ETCD_VERSION" \
    "$e/server/v3=etcd" "$e/etcdctl/v3=etcdctl"
  mark_done "$etcd_out"
fi

# pause: the sandbox container's binary, from the C source in the Kubernetes module.
pause_out="$KINDLAB_CACHE/pause-$K8S_VERSION"
if ! is_done "$pause_out"; then
  mkdir -p "$pause_out/bin"
  kdir=$(go_module_dir "k8s.io/kubernetes@$K8S_VERSION")
  run_logged pause gcc -Os -static -Wall -Werror -DVERSION=kindlab-"$K8S_VERSION" -o "$pause_out/bin/pause" "$kdir/build/pause/linux/pause.c"
  mark_done "$pause_out"
fi
info "components ready under $KINDLAB_CACHE"
