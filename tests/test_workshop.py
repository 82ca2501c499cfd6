"""A workshop on the real cluster: two students, each working in their own namespaces with their own
kubeconfig, each refused by the API server in the other's; `down` leaves nothing the workshop labelled."""

import secrets

import pytest

from labsupport import workshop
from labsupport.config import context_name
from labsupport.kube import connect_config, load_kubeconfig
from labsupport.workshoproster import Entry
from test_tenancy import _status  # the API's answer to a call: 200, or the refusal's status

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def room(clients):
    name = "t" + secrets.token_hex(3)
    config = load_kubeconfig(None, context_name())
    made = workshop.up(clients, config, name, [Entry("ada", "Ada <b>L</b>"), Entry("bob", "Bob")],
                       labs=("00", "02", "06", "07"), hours=1)
    yield made
    workshop.down(clients, name)


def test_each_student_works_only_in_their_own_namespaces(clients, room):
    ada, bob = room.students
    as_ada, as_bob = connect_config(ada.kubeconfig), connect_config(bob.kubeconfig)
    cm = {"metadata": {"name": "mine"}, "data": {"who": "ada"}}
    as_ada.core.create_namespaced_config_map(ada.namespace("02"), cm)
    assert as_ada.core.read_namespaced_config_map("mine", ada.namespace("02")).data == {"who": "ada"}
    # The API server itself refuses each in the other's namespaces, in both directions.
    assert _status(as_bob.core.read_namespaced_config_map, "mine", ada.namespace("02")) == 403
    assert _status(as_bob.core.create_namespaced_config_map, ada.namespace("00"), cm) == 403
    pod = {"metadata": {"name": "intruder"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    assert _status(as_ada.core.create_namespaced_pod, bob.namespace("02"), pod) == 403
    assert _status(as_ada.core.list_namespaced_config_map, bob.namespace("02")) == 403
    assert _status(as_ada.core.delete_namespace, bob.namespace("02")) == 403
    # Neither reads the instructor's Secrets (every student's password and token).
    assert _status(as_ada.core.list_namespaced_secret, workshop.home(room.workshop)) == 403
    # The read-only cluster view the labs need is there (nodes; lab 00's diagram counts every namespace's
    # pods), relabelling their own namespace is not (RBAC or the tenant guard refuses it).
    assert as_bob.core.list_node().items
    assert as_bob.core.list_namespaced_pod(ada.namespace("02")).items == []
    assert _status(as_bob.core.patch_namespace, bob.namespace("02"),
                   {"metadata": {"labels": {"kindlab.dev/workshop": "other"}}}) in (403, 422)


def test_a_lab_keeps_its_own_objects_rights_in_the_students_namespaces_only(room):
    """Lab 06 makes volumes in its namespace's node folder, lab 07 Roles, a ClusterRole named after its namespace
    and a quota in <namespace>-dev: each works in the student's own lab namespace and is refused (by RBAC or the
    guard policy) when aimed at another student's. Dry runs: admission and RBAC decide as for a real write."""
    ada, bob = room.students
    as_ada, dry = connect_config(ada.kubeconfig), {"dry_run": "All"}

    def volume(name, path):
        return {"metadata": {"name": name}, "spec": {"capacity": {"storage": "1Mi"}, "accessModes": ["ReadWriteOnce"],
                                                     "hostPath": {"path": path, "type": "DirectoryOrCreate"}}}

    mine, theirs = ada.namespace("06"), bob.namespace("06")
    assert _status(as_ada.core.create_persistent_volume, volume(f"{mine}-data", f"/var/lab-volumes/{mine}/data"),
                   **dry) == 200
    assert _status(as_ada.core.create_persistent_volume, volume(f"{mine}-x", f"/var/lab-volumes/{theirs}/x"), **dry) == 403
    assert _status(as_ada.core.create_persistent_volume, volume(f"{theirs}-x", f"/var/lab-volumes/{mine}/x"), **dry) == 403
    role = {"metadata": {"name": "team"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}
    assert _status(as_ada.rbac.create_namespaced_role, ada.namespace("07"), role, **dry) == 200
    assert _status(as_ada.rbac.create_namespaced_role, bob.namespace("07"), role, **dry) == 403
    assert _status(as_ada.rbac.create_cluster_role, {**role, "metadata": {"name": f"{ada.namespace('07')}-view"}},
                   **dry) == 200
    assert _status(as_ada.rbac.create_cluster_role, {**role, "metadata": {"name": f"{bob.namespace('07')}-view"}},
                   **dry) == 403
    quota = {"metadata": {"name": "team"}, "spec": {"hard": {"requests.cpu": "1"}}}
    assert _status(as_ada.core.create_namespaced_resource_quota, f"{ada.namespace('07')}-dev", quota, **dry) == 200
    assert _status(as_ada.core.create_namespaced_resource_quota, ada.namespace("02"), quota, **dry) == 403


def test_students_are_read_back_from_the_cluster(clients, room):
    loaded = workshop.load(clients, room.workshop)
    assert [(s.user, s.display, s.password, s.namespace("02")) for s in loaded] == \
        [(s.user, s.display, s.password, s.namespace("02")) for s in room.students]
    # The degraded tasks are named: lab 00 needs Docker on the host.
    assert any("lab 00" in line and "node access" in line for line in room.degraded)


def test_up_twice_is_refused(clients, room):
    from labsupport.errors import LabError

    with pytest.raises(LabError, match="already exists"):
        workshop.up(clients, load_kubeconfig(None, context_name()), room.workshop, [Entry("cy", "Cy")], labs=("02",))


def test_down_leaves_nothing(clients):
    name = "t" + secrets.token_hex(3)
    made = workshop.up(clients, load_kubeconfig(None, context_name()), name, [Entry("ann", "Ann"), Entry("ben", "Ben")],
                       labs=("01",), hours=1)
    left = workshop.leftovers(clients, name)
    assert len([x for x in left if x.startswith("Namespace/")]) == 1 + 2 * 3  # instructor's; home, -01, -01-extra
    assert len([x for x in left if x.startswith("CertificateSigningRequest/")]) == 2  # lab 01: a certificate each
    assert connect_config(made.students[0].kubeconfig).core.list_namespaced_config_map(
        made.students[0].namespace("01")).items is not None  # the certificate authenticates
    gone = workshop.down(clients, name)
    assert set(gone.tenants) == {s.tenant for s in made.students}
    assert workshop.leftovers(clients, name) == []
    assert _status(clients.core.read_namespace, workshop.home(name)) == 404
