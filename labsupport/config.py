"""Names shared by every part of labsupport: cluster, contexts, namespaces, labels."""

from __future__ import annotations

DEFAULT_CLUSTER = "kindlab"

# Labels make every object labsupport creates findable without side files.
LAB_LABEL = "kindlab.dev/lab"
GRADING_LABEL = "kindlab.dev/grading"
TEST_LABEL = "kindlab.dev/test"
# Every object made for one grading tenant or workshop student carries TENANT_LABEL=<its namespace>.
TENANT_LABEL = "kindlab.dev/tenant"

FIELD_MANAGER = "labsupport"
ANSWERS_CONFIGMAP = "lab-answers"

# The notebook runner (grading, tests) sets this to "off" for its kernels: nobody watches a live view there, so
# widgets.watch_pods / live_diagram draw what is there once and stop instead of following pods for minutes.
LIVE_VIEWS_ENV = "LABSUPPORT_LIVE_VIEWS"


def context_name(cluster: str = DEFAULT_CLUSTER) -> str:
    """kind names a cluster's kubeconfig context ``kind-<cluster>``."""
    return "kind-" + cluster


def lab_namespace(lab_id: str) -> str:
    """The namespace a learner's lab works in: ``lab_namespace("03") == "lab-03"``."""
    return f"lab-{lab_id}"
