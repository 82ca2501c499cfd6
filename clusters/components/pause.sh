# pause, every pod sandbox's first process, from the C source in the Kubernetes module.
version=$K8S_VERSION
build() {
  local kdir
  kdir=$(go_module_dir "k8s.io/kubernetes@$version")
  run_logged pause gcc -Os -static -Wall -Werror -DVERSION=kindlab-"$version" -o "$OUT/bin/pause" "$kdir/build/pause/linux/pause.c"
}
image "$PAUSE_IMAGE" scratch --entrypoint '["/pause"]' pause:/pause
# kubeadm's own pause tag, for its image list (containerd's sandbox is $PAUSE_IMAGE).
image_alias "$KUBEADM_PAUSE_IMAGE" "$PAUSE_IMAGE"
