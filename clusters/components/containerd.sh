# containerd, the nodes' container runtime. Its go.mod has exclude directives, so it is built from a wrapper
# module (go_wrapper_build in lib.sh).
version=$CONTAINERD_VERSION

build() {
  local mod="github.com/containerd/containerd/v2"
  GO_TAGS="no_aufs no_zfs no_btrfs no_devmapper" \
  LDFLAGS_EXTRA="-X $mod/version.Version=$version -X $mod/version.Package=$mod" \
    run_logged containerd go_wrapper_build "$OUT" "$mod $version" \
    "$mod/cmd/containerd" "$mod/cmd/ctr" "$mod/cmd/containerd-shim-runc-v2"
}

for b in containerd ctr containerd-shim-runc-v2; do node_file "$b" /usr/local/bin/; done
