"""Lab 05's parsers of node output: `ip route get`, kube-proxy's iptables and nftables rules for one Service."""

from __future__ import annotations

from labsupport.labs.lab05_net import iptables_rules, nftables_rules, route_of

IPTABLES = """\
*nat
:KUBE-SERVICES - [0:0]
-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SERVICES -d 10.96.44.7/32 -p tcp -m comment --comment "lab-05/echo:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-ABCDEF
-A KUBE-SVC-ABCDEF ! -s 10.244.0.0/16 -d 10.96.44.7/32 -p tcp -m comment --comment "lab-05/echo:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-ABCDEF -m comment --comment "lab-05/echo:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-AAA
-A KUBE-SVC-ABCDEF -m comment --comment "lab-05/echo:http -> 10.244.2.6:8080" -j KUBE-SEP-BBB
-A KUBE-SEP-AAA -s 10.244.1.5/32 -m comment --comment "lab-05/echo:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-AAA -p tcp -m comment --comment "lab-05/echo:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SEP-BBB -p tcp -m comment --comment "lab-05/echo:http" -m tcp -j DNAT --to-destination 10.244.2.6:8080
COMMIT
"""

NFT = """\
table ip kube-proxy {
	map service-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
		elements = { 10.96.0.10 . udp . 53 : goto service-NWBZK7IH-kube-system/kube-dns/udp/dns,
			     10.96.44.7 . tcp . 80 : goto service-ULMVA6XW-lab-05/echo/tcp/http }
	}
	chain service-ULMVA6XW-lab-05/echo/tcp/http {
		ip daddr 10.96.44.7 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
		numgen random mod 2 vmap { 0 : goto endpoint-5OJB2KTY-lab-05/echo/tcp/http__10.244.1.5/8080, 1 : goto endpoint-XPKMHCEM-lab-05/echo/tcp/http__10.244.2.6/8080 }
	}
	chain endpoint-5OJB2KTY-lab-05/echo/tcp/http__10.244.1.5/8080 {
		ip saddr 10.244.1.5 jump mark-for-masquerade
		meta l4proto tcp dnat to 10.244.1.5:8080
	}
	chain endpoint-XPKMHCEM-lab-05/echo/tcp/http__10.244.2.6/8080 {
		ip saddr 10.244.2.6 jump mark-for-masquerade
		meta l4proto tcp dnat to 10.244.2.6:8080
	}
}
"""


def test_route_of_overlay_and_routed():
    flannel = route_of("10.244.2.5 via 10.244.2.0 dev flannel.1 src 10.244.1.0 uid 0\n    cache")
    assert (flannel.device, flannel.via) == ("flannel.1", "10.244.2.0")
    kindnet = route_of("10.244.2.5 via 172.18.0.3 dev eth0 src 172.18.0.2 uid 0")
    assert (kindnet.device, kindnet.via) == ("eth0", "172.18.0.3")
    local = route_of("10.244.1.7 dev cni0 src 10.244.1.1 uid 0")
    assert (local.device, local.via) == ("cni0", None)


def test_iptables_service_and_endpoint_chains():
    rules = iptables_rules(IPTABLES, "10.96.44.7", 80)
    assert rules.service_chain == "KUBE-SVC-ABCDEF"
    assert rules.endpoint_chains == {"KUBE-SEP-AAA": "10.244.1.5:8080", "KUBE-SEP-BBB": "10.244.2.6:8080"}
    assert iptables_rules(IPTABLES, "10.96.44.7", 443).service_chain is None
    assert iptables_rules(IPTABLES, "10.96.44.7", 443).endpoint_chains == {}


def test_nftables_service_and_endpoint_chains():
    rules = nftables_rules(NFT, "10.96.44.7", 80)
    assert rules.service_chain == "service-ULMVA6XW-lab-05/echo/tcp/http"
    assert rules.endpoint_chains == {"endpoint-5OJB2KTY-lab-05/echo/tcp/http__10.244.1.5/8080": "10.244.1.5:8080",
                                     "endpoint-XPKMHCEM-lab-05/echo/tcp/http__10.244.2.6/8080": "10.244.2.6:8080"}
    assert nftables_rules(NFT, "10.96.9.9", 80).service_chain is None
