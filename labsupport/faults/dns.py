"""CoreDNS as both DNS faults see it: its Deployment, its Corefile, and whether a pod can resolve a name."""

from __future__ import annotations

from labsupport.faults.base import Target
from labsupport.faults.probe import lookup
from labsupport.waits import wait_rollout

NAMESPACE, DEPLOYMENT, CONFIGMAP = "kube-system", "coredns", "coredns"
ROLLOUT_TIMEOUT = 50


def deployment(target: Target) -> dict:
    return target.clients.api.sanitize_for_serialization(
        target.clients.apps.read_namespaced_deployment(DEPLOYMENT, NAMESPACE))


def corefile(target: Target) -> str:
    return (target.clients.core.read_namespaced_config_map(CONFIGMAP, NAMESPACE).data or {}).get("Corefile", "")


def resolves(target: Target) -> tuple[bool, str]:
    """Whether a pod resolves the API server's Service name, and nslookup's last words."""
    found = lookup(target.clients)
    last = found.output.splitlines()[-3:] if found.output else ["(no output)"]
    return found.resolved, f"nslookup {found.name} from a pod: " + ("resolved" if found.resolved else
                                                                     "FAILED (" + " / ".join(last) + ")")


def wait_rolled_out(target: Target) -> None:
    wait_rollout(target.clients, NAMESPACE, DEPLOYMENT, timeout=ROLLOUT_TIMEOUT)
