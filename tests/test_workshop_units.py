"""Workshop pieces that need no cluster: the roster, the merged needs of several labs, the login cards."""

import html

import pytest

from labsupport.errors import LabError
from labsupport.workshop import Student, tenant_name, workshop_needs
from labsupport.workshopcards import cards_html
from labsupport.workshoproster import check_workshop_name, password, read_roster, students


def test_count_gives_numbered_students():
    assert [e.user for e in students(3)] == ["s01", "s02", "s03"]
    with pytest.raises(LabError):
        students(0)


def test_roster_derives_unique_safe_logins_and_keeps_names(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text('name,user\n"Zoë <script>alert(1)</script>",\nZoë Script,\n"Bob",bob\n,\n', encoding="utf-8")
    entries = read_roster(roster)
    assert [e.user for e in entries] == ["zoscriptal", "zoscript", "bob", "s"]
    assert entries[0].display == "Zoë <script>alert(1)</script>"  # kept as typed; escaped where rendered
    assert entries[3].display == "s"


def test_roster_refuses_a_bad_or_repeated_user(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,user\nA,ann\nB,ann\n")
    with pytest.raises(LabError, match="repeated"):
        read_roster(roster)
    roster.write_text("name,user\nA,Root;rm\n")
    with pytest.raises(LabError, match="not 1-12"):
        read_roster(roster)
    roster.write_text("who\nA\n")
    with pytest.raises(LabError, match="no `name` column"):
        read_roster(roster)


def test_workshop_name_and_passwords():
    assert check_workshop_name("w1") == "w1"
    for bad in ("", "1w", "W1", "w-1", "a" * 13):
        with pytest.raises(LabError):
            check_workshop_name(bad)
    assert len(password()) == 10 and not set(password()) & set("0O1lI")


def test_needs_of_several_labs_give_a_namespace_each_and_nothing_cluster_wide():
    needs, degraded = workshop_needs(("00", "01", "03"))
    assert needs.suffixes == ("00", "01", "01-extra", "03")
    assert needs.cluster_write == () and needs.namespace_write == () and not needs.node_access
    assert needs.pod_security == "privileged"  # lab 03's hostPath DaemonSet
    assert needs.quota.requests_cpu is None  # lab 01's 64-CPU pod must stay Pending, not be refused
    assert any("kube-system" == ns for ns, _ in needs.namespace_read)
    assert any("lab 01" in d and "nodes" in d for d in degraded)
    assert any("lab 00" in d and "node access" in d for d in degraded)
    assert workshop_needs(("02",)) [1] == ()


def test_cards_escape_every_name():
    evil = Student("ann", "<img src=x onerror=alert(1)>", "ws-w1-ann", "pw<&>", {}, ("02",), 0.0)
    page = cards_html("w1", [evil], url="http://host:8000/?a=<b>")
    assert "<img" not in page and html.escape(evil.display) in page
    assert "pw&lt;&amp;&gt;" in page and "ws-w1-ann-02" in page and "http://host:8000/?a=&lt;b&gt;" in page
    assert "02-pods.ipynb" in page and "start-here.ipynb" in page


def test_workshop_mode_skips_exactly_the_node_access_cells():
    import json
    from pathlib import Path

    from IPython.core.interactiveshell import InteractiveShell

    from labsupport.workshopmode import MESSAGE, enable, needs_nodes

    labs = Path(__file__).resolve().parents[1] / "labs"
    skipped = {}
    for nb in sorted(labs.glob("0[0-3]-*.ipynb")):
        cells = [c for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code"]
        skipped[nb.name[:2]] = sum(needs_nodes("".join(c["source"])) for c in cells)
    # lab 00: ensure_cluster, the kind/docker listing, the node cell; lab 01: three `!docker exec` cells.
    assert skipped == {"00": 3, "01": 3, "02": 0, "03": 0}
    assert not needs_nodes("from labsupport.podexec import run_in_node\nx = 1")
    assert not needs_nodes("manifest = '''\nkind: Pod\n'''")
    shell = InteractiveShell.instance()
    enable(shell)
    enable(shell)
    assert shell.transform_cell("!docker ps\n").strip() == f"print({MESSAGE!r})"
    assert "get_ipython().system('kubectl get pods')" in shell.transform_cell("!kubectl get pods\n")


def test_stuck_signals_read_from_pods_as_the_api_returns_them():
    from labsupport.workshopsignals import _pod_signals

    now = 1_800_000_000.0
    created = "2027-01-15T07:59:00Z"  # 60 s before `now` is 2027-01-15T08:00:00Z
    pulling = {"metadata": {"name": "web", "creationTimestamp": created},
               "status": {"phase": "Pending", "containerStatuses": [
                   {"name": "c", "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}}
    unplaced = {"metadata": {"name": "big", "creationTimestamp": "2027-01-15T07:50:00Z"},
                "status": {"phase": "Pending", "conditions": [
                    {"type": "PodScheduled", "status": "False", "message": "0/3 nodes are available"}]}}
    young = {"metadata": {"name": "new", "creationTimestamp": created}, "status": {"phase": "Pending"}}
    assert _pod_signals(pulling, now) == ["pod web: ImagePullBackOff"]
    assert _pod_signals(unplaced, now) == ["pod big: Pending 600s (0/3 nodes are available)"]
    assert _pod_signals(young, now) == []  # 60 s Pending is not yet stuck


def test_labs_with_objects_of_their_own_keep_those_rights_in_a_workshop():
    """Lab 04's Gateway API routes, lab 06's volumes, lab 07's Roles, ClusterRole and quota task: a student gets
    them in that lab's namespaces (<tenant>-07-dev for lab 07's quota), never anything cluster-wide beyond."""
    needs, degraded = workshop_needs(("04", "06", "07"))
    assert needs.suffixes == ("04", "06", "07", "07-dev", "07-prod")
    resources = {r for rule in needs.namespace_rules for r in rule.resources}
    assert {"gateways", "httproutes", "roles", "rolebindings"} <= resources
    assert {r for rule in needs.own_cluster_objects for r in rule.resources} == \
        {"persistentvolumes", "clusterroles", "clusterrolebindings"}
    assert needs.lab_quota_in == ("07-dev",)
    assert needs.cluster_write == () and not needs.node_access
    assert workshop_needs(("02",))[0].own_cluster_objects == ()


def test_tenant_names_are_prefix_free(tmp_path):
    """The guard policy treats <tenant>-... as the tenant's own: no tenant name plus '-' may start another's."""
    users = ["a", "ab", "a1", "abc", "s01", "s010"]
    names = [tenant_name(w, u) for w in ("w", "w1", "ws") for u in users]
    names += [f"grade-{lab}-{suffix}" for lab in ("06", "07") for suffix in ("abc123", "abc12x")]
    for one in names:
        for other in names:
            assert one == other or not other.startswith(one + "-"), (one, other)
    roster = tmp_path / "roster.csv"
    for bad in ("a-b", "a.b", "1a"):  # a login with '-' would break it: refused, not renamed
        roster.write_text(f"name,user\nAda,{bad}\n")
        with pytest.raises(LabError):
            read_roster(roster)
