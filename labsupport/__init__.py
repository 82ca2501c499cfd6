"""Helpers for a hands-on Kubernetes workbook: cluster access, apply/wait/exec, checks, grading.

Notebooks use ``from labsupport import lab``; see lab.start and lab.check.
"""

from labsupport.errors import (ApplyError, ClusterUnavailable, ExecError, GradingError, LabError, PreflightError,
                               WaitTimeout)

__version__ = "0.1.0"
__all__ = ["LabError", "ClusterUnavailable", "PreflightError", "WaitTimeout", "ApplyError", "ExecError",
           "GradingError"]
