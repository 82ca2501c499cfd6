# The reference CNI plugins kind's nodes use (pod interfaces, IPAM, host ports).
version=$CNI_PLUGINS_VERSION
PLUGINS=(ipam/host-local main/loopback main/ptp main/bridge meta/portmap)
build() {
  local p pkgs=()
  for p in "${PLUGINS[@]}"; do pkgs+=("github.com/containernetworking/plugins/plugins/$p@$version"); done
  go_install "${pkgs[@]}"
}
for p in "${PLUGINS[@]}"; do node_file "${p#*/}" /opt/cni/bin/; done
