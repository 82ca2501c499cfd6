# etcd, the control plane's store. Its server and etcdctl modules replace their sibling modules with ../ paths,
# which `go install` refuses: a wrapper module requires the published siblings at the same version.
version=$ETCD_VERSION
build() {
  local e="go.etcd.io/etcd"
  run_logged etcd go_wrapper_build "$OUT" \
    "$e/server/v3 $version;$e/etcdctl/v3 $version;$e/api/v3 $version;$e/client/pkg/v3 $version;$e/client/v3 $version;$e/pkg/v3 $version" \
    "$e/server/v3=etcd" "$e/etcdctl/v3=etcdctl"
}
image "registry.k8s.io/etcd:$ETCD_IMAGE_TAG" scratch etcd:/usr/local/bin/etcd etcdctl:/usr/local/bin/etcdctl
