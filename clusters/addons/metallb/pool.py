#!/usr/bin/env python3
"""Print MetalLB's IPAddressPool and L2Advertisement for a kind cluster, from kind's Docker network.

Addresses come from the top of the network's IPv4 subnet (x.y.255.200-x.y.255.250 for kind's usual /16, as kind's
LoadBalancer guide does), where Docker's own allocator, which counts up from the bottom, does not reach.
Usage: docker network inspect kind | pool.py
"""
import ipaddress
import json
import sys

POOL = """apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: kind
  namespace: metallb-system
spec:
  addresses:
    - {first}-{last}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: kind
  namespace: metallb-system
spec:
  ipAddressPools:
    - kind
"""


def main() -> None:
    networks = json.load(sys.stdin)
    subnets = [ipaddress.ip_network(c["Subnet"]) for n in networks for c in (n.get("IPAM") or {}).get("Config") or []]
    v4 = [s for s in subnets if s.version == 4 and s.num_addresses >= 256]
    if not v4:
        sys.exit("kind's Docker network has no IPv4 subnet of /24 or larger: is `docker network inspect kind` empty?")
    broadcast = v4[0].broadcast_address
    print(POOL.format(first=broadcast - 55, last=broadcast - 5), end="")


if __name__ == "__main__":
    main()
