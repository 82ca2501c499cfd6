"""What a lab's cells and checks share: which lab, which namespace, which cluster, and the API clients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labsupport.kube import Clients


@dataclass(frozen=True)
class LabContext:
    lab_id: str
    namespace: str
    cluster_name: str
    kubeconfig: str | None
    clients: Clients


def clients_of(source: Any) -> Any:
    """Accept a `labsupport.kube.Clients` or anything carrying one as `.clients` (a LabContext)."""
    return getattr(source, "clients", None) or source
