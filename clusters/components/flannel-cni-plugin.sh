# The flannel CNI meta-plugin, last shipped in containernetworking/plugins v0.9.1 (later in its own repository);
# flannel's DaemonSet copies it onto each node from this image.
version=$FLANNEL_CNI_PLUGINS_VERSION
build() { go_install "github.com/containernetworking/plugins/plugins/meta/flannel@$version"; }
image "kindlab.local/flannel-cni-plugin:$version" busybox flannel:/flannel
