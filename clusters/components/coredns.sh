# CoreDNS, the cluster's DNS server (kubeadm's addon).
version=$COREDNS_VERSION
build() {
  LDFLAGS_EXTRA="-X github.com/coredns/coredns/coremain.GitCommit=module-$version" \
    go_install "github.com/coredns/coredns@$version"
}
image "registry.k8s.io/coredns/coredns:$version" scratch --entrypoint '["/coredns"]' coredns:/coredns
