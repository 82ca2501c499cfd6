"""Workshop mode inside a student's kernel: cells that need the cluster's nodes are skipped with a note.

Students of a workshop have no Docker, no `kind` and no access to the nodes (see the README's workshop
section). Their copies of the labs (labsupport.workshophub) call ``enable()`` right after the injected
parameters; from then on a cell that would reach the nodes prints why it is skipped instead of failing with a
traceback, and "Run All" goes on to the next cell. Labs run outside a workshop are untouched.
"""

from __future__ import annotations

import re

# What reaches the nodes from a lab cell: Docker and kind on the host, commands inside node containers.
NODE_ACCESS = re.compile(r"^\s*!\s*(docker|kind)\b|\bensure_cluster\(|\bcluster\.status\(|(?<!import )\brun_in_node\("
                         r"|[\[(]\s*[\"'](docker|kind)[\"']", re.M)
MESSAGE = ("Skipped in this workshop: this step works on the cluster's nodes (Docker, kind), which workshop "
           "accounts cannot reach. The instructor's cluster is already running; read the step, then go on.")


def needs_nodes(source: str) -> bool:
    """Whether a cell's source reaches the nodes: ``needs_nodes("!docker ps") is True``."""
    return bool(NODE_ACCESS.search(source))


def _skip(lines: list[str]) -> list[str]:
    return [f"print({MESSAGE!r})\n"] if needs_nodes("".join(lines)) else lines


def enable(shell=None) -> None:
    """Install the transformer in this IPython kernel (idempotent)."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is not None and _skip not in shell.input_transformers_cleanup:
        # Cleanup transformers see the cell as typed, before `!` lines become get_ipython().system calls.
        shell.input_transformers_cleanup.insert(0, _skip)
