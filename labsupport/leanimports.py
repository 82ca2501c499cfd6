"""Start-up cost of the processes that run notebooks: kept out of what a grading run pays hundreds of times.

Every graded notebook starts a Python process that imports papermill, hence nbformat and jsonschema.
jsonschema then imports ``rfc3987_syntax`` when present (Jupyter's ``jsonschema[format-nongpl]`` extra installs
it), and that module builds a Lark grammar at import time: 2.4 s of CPU per process on this machine, against
0.2 s for the rest of jsonschema, for the "iri" and "iri-reference" formats that no notebook schema uses.
``skip_iri_formats()`` marks the module absent before jsonschema is imported, so jsonschema leaves out those two
format checks exactly as it does where the extra is not installed. Called explicitly by the entry points that
run or grade notebooks (``python -m labsupport``, the notebook runner's child process, the test session); the
learner's kernel and JupyterLab are untouched.
"""

from __future__ import annotations

import sys

SLOW_OPTIONAL = "rfc3987_syntax"


def skip_iri_formats() -> bool:
    """Mark ``rfc3987_syntax`` absent unless jsonschema (or it) is already imported. True if it took effect."""
    if "jsonschema" in sys.modules or SLOW_OPTIONAL in sys.modules:
        return False
    sys.modules[SLOW_OPTIONAL] = None  # the import system then raises ImportError, which jsonschema expects
    return True
