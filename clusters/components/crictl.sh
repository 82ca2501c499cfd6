# crictl: inspect a node's containers the way the kubelet sees them (lab 01).
version=$CRICTL_VERSION
build() { go_install "sigs.k8s.io/cri-tools/cmd/crictl@$version"; }
node_file crictl /usr/local/bin/
