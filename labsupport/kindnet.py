"""Values an add-on manifest may use that only the machine knows at apply time (``${KIND_LB_RANGE}``).

``KIND_LB_RANGE`` is a range at the top of kind's Docker network (x.y.255.200-x.y.255.250 for its usual /16, as
kind's LoadBalancer guide does), where Docker's own allocator, which counts up from the bottom, does not reach:
MetalLB hands these out to LoadBalancer Services, and every node (all on that network) answers for them.

>>> lb_range('[{"IPAM": {"Config": [{"Subnet": "172.18.0.0/16"}]}}]')
'172.18.255.200-172.18.255.250'
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess

from labsupport.errors import AddonError

KIND_NETWORK = "kind"
RUNTIME_KEYS = ("KIND_LB_RANGE",)
_REFERENCE = re.compile(r"\$\{(" + "|".join(RUNTIME_KEYS) + r")\}")


def lb_range(inspect_json: str) -> str:
    """The pool's range, from ``docker network inspect kind``'s output."""
    try:
        networks = json.loads(inspect_json)
        subnets = [ipaddress.ip_network(c["Subnet"]) for n in networks
                   for c in (n.get("IPAM") or {}).get("Config") or [] if c.get("Subnet")]
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise AddonError(f"cannot read kind's Docker network: {exc}",
                         hint="Check `docker network inspect kind` prints the network kind created.") from exc
    v4 = [s for s in subnets if s.version == 4 and s.num_addresses >= 256]
    if not v4:
        raise AddonError("kind's Docker network has no IPv4 subnet of /24 or larger",
                         hint="Check `docker network inspect kind`; kind creates that network with the first cluster.")
    top = v4[0].broadcast_address
    return f"{top - 55}-{top - 5}"


def runtime_values(text: str) -> dict[str, str]:
    """The runtime keys ``text`` refers to, with their values (Docker is asked only when one is used)."""
    wanted = set(_REFERENCE.findall(text))
    if not wanted:
        return {}
    out = subprocess.run(["docker", "network", "inspect", KIND_NETWORK], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise AddonError(f"`docker network inspect {KIND_NETWORK}` failed: {out.stderr.strip()[-300:]}",
                         hint="Create the cluster with kind first (it makes the network), and check Docker runs.")
    return {"KIND_LB_RANGE": lb_range(out.stdout)}
