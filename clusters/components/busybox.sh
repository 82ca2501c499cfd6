# busybox, the labs' shell image (and the engine probe's), built from upstream's source as the Debian archive keeps
# it (the .orig tarball, checked against the sha256 of Debian's source package) with busybox's own defaults and
# static linking: the applets behave as in the published busybox image. Debian's busybox-static was used before;
# its patches revert ash keeping environment variables with '-' in their names (Kubernetes' env specs lose them)
# and its `wget -T` crashes. clusters/docker/engine.sh makes the image (it needs it before anything else is built).
version=$BUSYBOX_VERSION
build() {
  run_logged "$COMPONENT" busybox_compile "$version" "$BUSYBOX_SOURCE_SHA256" "$OUT/bin/busybox"
}
image_prebuilt "$BUSYBOX_IMAGE" "clusters/docker/engine.sh (make engine)"
