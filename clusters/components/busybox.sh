# busybox from Debian's busybox-static: the labs' shell image, the engine probe's image and a base for others.
version=${BUSYBOX_IMAGE##*:}
image_prebuilt "$BUSYBOX_IMAGE" "clusters/docker/engine.sh (make engine)"
