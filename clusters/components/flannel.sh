# flannel (VXLAN), the offline clusters' pod network: kind's kindnetd is not served by the Go module proxy.
# Its manifest becomes the node image's /kind/manifests/default-cni.yaml (kind_manifests.py).
version=$FLANNEL_VERSION
build() {
  # The UDP backend is cgo; the image is Debian, the same libc as this build host.
  CGO_ENABLED=1 LDFLAGS_EXTRA="-X github.com/flannel-io/flannel/pkg/version.Version=$version" \
    go_install "github.com/flannel-io/flannel@$version"
}
image "kindlab.local/flannel:$version" netbase --entrypoint '["/opt/bin/flanneld"]' flannel:/opt/bin/flanneld
