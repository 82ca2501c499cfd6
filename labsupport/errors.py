"""One small exception hierarchy: every error says what happened and what to do about it."""

from __future__ import annotations


class LabError(Exception):
    """Root of labsupport's errors. ``hint`` tells the reader how to fix the problem."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\nHint: {self.hint}" if self.hint else self.message


class ClusterUnavailable(LabError):
    """The lab cluster cannot be reached with the given kubeconfig and context."""


class PreflightError(LabError):
    """This machine lacks something the labs need (tool, memory, kernel limit)."""


class WaitTimeout(LabError):
    """A condition did not become true before its deadline; the message holds status and events."""


class ApplyError(LabError):
    """A manifest could not be parsed or the API server rejected it."""


class ExecError(LabError):
    """A command could not be run in a pod or node, or did not finish in time."""


class GradingError(LabError):
    """A submission cannot be graded at all (unknown lab, unreadable kubeconfig, ...)."""


class AddonError(LabError):
    """An add-on's declaration is invalid, or its images cannot be put on the nodes."""


class VersionsError(LabError):
    """clusters/versions.env (or text that refers to it) cannot be read."""


class UnknownTask(LabError):
    """A task number the lab has no checks for (the hint lists the lab's tasks)."""
