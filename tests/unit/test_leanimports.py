"""The notebook runner's processes skip the optional IRI format checker (a Lark grammar built at import time) and
nbformat still validates notebooks."""

import subprocess
import sys

PROBE = """
import sys
{prelude}
import nbformat, papermill  # what the runner's child imports
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
nbformat.validate(nb)
try:
    nbformat.validate({{"nbformat": 4}})
except nbformat.ValidationError:
    print("invalid-refused")
print("lark" if "lark" in sys.modules else "no-lark")
"""


def _probe(prelude: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(prelude=prelude)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_runner_imports_skip_the_iri_grammar_and_still_validate():
    assert _probe("import labsupport.leanimports as lean; assert lean.skip_iri_formats()") == \
        ["invalid-refused", "no-lark"]


def test_without_it_jsonschema_builds_the_grammar_and_then_it_is_too_late():
    # The reason for the module: if the first line stops being true (jsonschema or the extra changed), drop it.
    code = "import jsonschema, sys, labsupport.leanimports as lean; print('lark' in sys.modules, lean.skip_iri_formats())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["True", "False"], done.stderr[-2000:]


def test_the_test_session_itself_skips_it():
    # tests/conftest.py calls it before any plugin or test module imports jsonschema
    assert "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None
