"""The parts of tenancy that need no cluster: the tenant's kubeconfig, token lifetimes, declared needs."""

from labsupport.kube import connect_config
from labsupport.tenancy import MIN_TOKEN_SECONDS, tenant_kubeconfig, token_lifetime
from labsupport.tenantguard import policy
from labsupport.tenantneeds import LAB_NEEDS, Quota, needs_for

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
    assert Quota().hard()["pods"] == "40" and set(LAB_NEEDS) == {"00", "01", "02", "03"}
    assert any("host-root" in line for line in needs_for("00").describe())


def test_guard_policy_matches_only_tenant_accounts():
    vap, binding = policy()
    assert "endsWith(':kindlab-tenant')" in vap["spec"]["matchConditions"][0]["expression"]
    assert binding["spec"]["validationActions"] == ["Deny"]
