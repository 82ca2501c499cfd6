# Dynamic volumes on each node's disk: kind's default StorageClass `standard`.
version=$LOCAL_PATH_PROVISIONER_VERSION
build() { go_install "github.com/rancher/local-path-provisioner@$version"; }
image "$LOCAL_PATH_PROVISIONER_IMAGE" scratch local-path-provisioner:/usr/local/bin/local-path-provisioner
# The helper pod needs only sh, mkdir and rm.
image_alias "$LOCAL_PATH_HELPER_IMAGE" "$BUSYBOX_IMAGE"
