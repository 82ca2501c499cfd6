"""What every fault shares: where it acts (Target), what it reports (FaultStatus, Repair), its error, its contract.

A fault is a module with one ``Fault`` subclass: ``inject`` breaks one thing and records what it changed
(labsupport.faults.record), ``check`` reads the cluster and says whether the fault is there, ``repair`` puts back
exactly what the record says and waits until the cluster confirms it. Inject and repair are both safe to run twice.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from labsupport.config import context_name
from labsupport.errors import LabError
from labsupport.kube import Clients

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
RECREATE_HINT = "If nothing else works, recreate the cluster: `make cluster RECREATE=1` (a few minutes)."


class FaultError(LabError):
    """A fault cannot be injected, checked or repaired (the hint says what to do by hand)."""


@dataclass(frozen=True)
class Target:
    """The cluster a fault acts on: API clients with admin rights, and its kind name (node containers are
    ``<cluster>-control-plane``, ``<cluster>-worker``, ...)."""

    clients: Clients
    cluster: str
    kubeconfig: str | None = None

    @property
    def context(self) -> str:
        return context_name(self.cluster)

    @property
    def control_plane(self) -> str:
        return f"{self.cluster}-control-plane"

    @property
    def worker(self) -> str:
        return f"{self.cluster}-worker"

    @property
    def worker2(self) -> str:
        return f"{self.cluster}-worker2"


@dataclass(frozen=True)
class FaultStatus:
    """What ``check`` found: ``present`` says the fault shows in the cluster, ``evidence`` what showed it."""

    fault: str
    present: bool
    evidence: str


@dataclass(frozen=True)
class Repair:
    """What ``repair`` did (``actions``, empty when there was nothing to do) and how long it took."""

    fault: str
    actions: tuple[str, ...]
    seconds: float
    healthy: FaultStatus | None = None


@dataclass
class Fault:
    """One scenario. Subclasses set ``name``/``summary``/``lesson`` and implement the three verbs."""

    name: str = ""
    summary: str = ""        # one line for `fault list`
    lesson: str = ""         # what a learner sees, and how to find and fix it by hand
    options: dict = field(default_factory=dict)  # e.g. {"node": "kindlab-worker"}

    def inject(self, target: Target) -> dict:
        raise NotImplementedError

    def check(self, target: Target) -> FaultStatus:
        raise NotImplementedError

    def repair(self, target: Target) -> Repair:
        raise NotImplementedError

    def detect(self, target: Target, *, timeout: float = 120) -> FaultStatus:
        """Wait until ``check`` sees the fault (node faults take the node controller's grace period, ~50 s).

        Subclasses whose evidence is an object's status override this with a watch; this default re-runs a
        check that needs a probe (a DNS lookup from a pod, a scheduling attempt) until its deadline.
        """
        deadline = time.monotonic() + timeout
        while True:
            status = self.check(target)
            if status.present or time.monotonic() >= deadline:
                return status
            time.sleep(2)

    def status(self, present: bool, evidence: str) -> FaultStatus:
        return FaultStatus(self.name, present, plain(evidence))


def plain(text: str, limit: int = 600) -> str:
    """Text from the cluster (messages, command output) made safe for a terminal: no control characters, capped."""
    text = _CONTROL.sub("?", text)
    return text if len(text) <= limit else text[:limit] + "..."


def timed(fault: str, start: float, actions: list[str], healthy: FaultStatus | None = None) -> Repair:
    return Repair(fault, tuple(actions), round(time.monotonic() - start, 1), healthy)
