# Every node refuses traffic to an address of the Service range that no Service port claims, so such traffic
# stays inside the cluster. kube-proxy translates a Service's address and port to a pod's before the filter hooks
# run, so only packets it left alone (no Service on that address, or not on that port) meet the rule. On a laptop
# such a packet leaves through the node's default route and is lost; here something outside the cluster answers
# every TCP address (Kubernetes' "same port and different protocols" spec then sees a port answer that the Service
# no longer has). A table of its own in nftables (filter hooks at priority -1: after kube-proxy's DNAT, before
# the iptables rules of kube-proxy, flannel and kube-router, which never touch it), set when kind has written the
# node's kubeadm config (the Service range is read from it), again whenever the node restarts.
version=1
FILES="$CLUSTERS_DIR/components/service-range-guard"
node_file "$FILES/kindlab-service-range-guard" /usr/local/bin/
node_file "$FILES/kindlab-service-range-guard.path" /etc/systemd/system/
node_file "$FILES/kindlab-service-range-guard.service" /etc/systemd/system/
