"""One module per lab, ``labNN.py``, each defining ``SUITE``, a CheckSuite of that lab's graded checks."""

from __future__ import annotations

import importlib
import pkgutil
import re

from labsupport.checks import CheckSuite
from labsupport.errors import GradingError


def available() -> list[str]:
    """Lab ids that have checks: ["00", "01", ...]."""
    return sorted(m.name[3:] for m in pkgutil.iter_modules(__path__) if re.fullmatch(r"lab\d{2}", m.name))


def suite_for(lab_id: str) -> CheckSuite:
    """The CheckSuite of lab ``lab_id`` ("03")."""
    if not re.fullmatch(r"\d{2}", str(lab_id)):
        raise GradingError(f"Lab id {lab_id!r} is not two digits.", hint='Write it like "03".')
    if lab_id not in available():
        raise GradingError(f"No checks for lab {lab_id}: there is no labsupport/labs/lab{lab_id}.py.",
                           hint=f"Known labs: {', '.join(available()) or 'none yet'}.")
    suite = getattr(importlib.import_module(f"labsupport.labs.lab{lab_id}"), "SUITE", None)
    if not isinstance(suite, CheckSuite):
        raise GradingError(f"labsupport/labs/lab{lab_id}.py defines no SUITE = CheckSuite(...).",
                           hint="Each lab module declares its checks on a module-level SUITE.")
    return suite
