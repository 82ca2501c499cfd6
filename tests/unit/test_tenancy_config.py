"""The parts of tenancy that need no cluster: the tenant's kubeconfig, token lifetimes, declared needs."""

from labsupport.kube import connect_config
from labsupport.tenancy import MIN_TOKEN_SECONDS, tenant_kubeconfig, token_lifetime
from labsupport.tenantguard import OBJECTS, VOLUME_ROOT, policy
from labsupport.tenantneeds import LAB_NEEDS, OWN_KINDS, Quota, needs_for

GRADER = {"apiVersion": "v1", "kind": "Config", "current-context": "kind-kindlab",
          "clusters": [{"name": "kind-kindlab", "cluster": {"server": "https://127.0.0.1:6443",
                                                            "certificate-authority-data": "Q0E="}}],
          "users": [{"name": "kind-kindlab", "user": {"client-certificate-data": "Y2VydA==",
                                                      "client-key-data": "a2V5"}}],
          "contexts": [{"name": "kind-kindlab", "context": {"cluster": "kind-kindlab", "user": "kind-kindlab"}}]}


def test_tenant_kubeconfig_holds_only_the_token_and_keeps_the_context_name():
    config = tenant_kubeconfig(GRADER, "grade-00-abc", "tok")
    assert config["current-context"] == "kind-kindlab"  # lab.start looks this context up by name
    assert config["users"] == [{"name": "kindlab-tenant-grade-00-abc", "user": {"token": "tok"}}]
    assert config["clusters"][0]["cluster"] == GRADER["clusters"][0]["cluster"]
    assert config["contexts"][0]["context"]["namespace"] == "grade-00-abc"
    assert "client-key-data" not in repr(config)
    assert connect_config(config, probe=False).api.configuration.api_key == {"BearerToken": "Bearer tok"}


def test_token_lifetime_respects_the_api_minimum():
    assert token_lifetime(5) == MIN_TOKEN_SECONDS == 600
    assert token_lifetime(1320.2) == 1321


def test_needs_declare_what_the_answer_keys_use():
    assert needs_for("01").suffixes == ("extra",) and needs_for("01").serialised
    assert needs_for("03").pod_security == "privileged" and not needs_for("03").serialised
    assert needs_for("42") == needs_for("02")  # undeclared: namespace only
    assert "requests.cpu" not in needs_for("01").quota.hard()  # its 64-CPU pod must reach the scheduler
    assert "cpu" not in needs_for("01").quota.limit_range()["defaultRequest"]
    assert Quota().hard()["pods"] == "40"
    assert set(LAB_NEEDS) == {"00", "01", "02", "03", "04", "05", "06", "07"}
    assert any("host-root" in line for line in needs_for("00").describe())


def test_labs_04_to_07_own_objects_instead_of_serialising():
    """Labs 06 and 07 write cluster-scoped objects only of their own (the guard policy confines them), so their
    submissions are graded in parallel; every lab that runs `docker exec` says it needs node access."""
    for lab in ("04", "05", "06", "07"):
        assert not needs_for(lab).serialised and needs_for(lab).node_access, lab
    assert {r for rule in needs_for("06").own_cluster_objects for r in rule.resources} == {"persistentvolumes"}
    assert {r for rule in needs_for("07").own_cluster_objects for r in rule.resources} == {
        "clusterroles", "clusterrolebindings"}
    assert needs_for("06").pod_security == "privileged"  # a hostPath volume in task 1
    assert needs_for("05").suffixes == ("shop",) and needs_for("07").suffixes == ("dev", "prod")
    assert any("named <namespace>-" in line for line in needs_for("07").describe())


def test_a_lab_quota_namespace_gets_counts_only():
    """Lab 07 has the learner write a cpu/memory quota and a LimitRange in <namespace>-dev: the grader's quota
    there must not make pods state requests, nor fill them in."""
    hard = Quota().hard(counts_only=True)
    assert hard["pods"] == "40" and not {"requests.cpu", "requests.memory", "limits.memory"} & set(hard)
    assert needs_for("07").lab_quota_in == ("dev",)


def test_guard_policies_match_only_tenant_accounts():
    vap, binding, objects, objects_binding, quota, quota_binding = policy()
    assert quota["spec"]["matchConditions"] == vap["spec"]["matchConditions"]
    assert quota_binding["spec"]["policyName"] == quota["metadata"]["name"]
    assert "endsWith(':kindlab-tenant')" in vap["spec"]["matchConditions"][0]["expression"]
    assert objects["spec"]["matchConditions"] == vap["spec"]["matchConditions"]
    assert binding["spec"]["validationActions"] == objects_binding["spec"]["validationActions"] == ["Deny"]
    assert objects_binding["spec"]["policyName"] == objects["metadata"]["name"] == OBJECTS


def test_guard_covers_every_kind_a_lab_may_own():
    from labsupport.labs.lab06_volumes import ROOT

    assert VOLUME_ROOT == ROOT  # the policy allows volumes only where lab 06 keeps them
    guarded = {r for rule in policy()[2]["spec"]["matchConstraints"]["resourceRules"] for r in rule["resources"]}
    owned = {r for needs in LAB_NEEDS.values() for rule in needs.own_cluster_objects for r in rule.resources}
    assert owned <= guarded == {resource for _, _, resource in OWN_KINDS}


class _Answers:
    """A create call answering the given HTTP statuses in turn (None: created)."""

    def __init__(self, *statuses):
        self.statuses, self.calls = list(statuses), 0

    def __call__(self, *args, body, field_manager):
        from kubernetes.client.exceptions import ApiException

        self.calls += 1
        status = self.statuses.pop(0) if self.statuses else None
        if status is not None:
            raise ApiException(status=status, reason="Not Found" if status == 404 else "Conflict")


def test_a_fresh_namespace_unknown_for_a_moment_is_retried():
    from labsupport.tenancy import _create

    call = _Answers(404, 404, None)
    _create(call, "grade-00-abc", body={}, what="quota in grade-00-abc")
    assert call.calls == 3


def test_a_namespace_that_stays_missing_is_named_and_other_errors_are_not_retried():
    import pytest

    from labsupport.errors import LabError
    from labsupport.tenancy import _create

    missing = _Answers(*[404] * 50)
    with pytest.raises(LabError, match="does not see namespace grade-00-abc"):
        _create(missing, "grade-00-abc", body={}, what="quota in grade-00-abc", fresh_namespace_wait=0.5)
    assert 2 <= missing.calls < 50
    for statuses, args in (((409,), ("grade-00-abc",)), ((404,), ())):  # a conflict; a cluster-scoped 404
        call = _Answers(*statuses)
        with pytest.raises(LabError):
            _create(call, *args, body={}, what="x")
        assert call.calls == 1
