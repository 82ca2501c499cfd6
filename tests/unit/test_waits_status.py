from labsupport.waits import condition_met, describe_status, rolled_out

PENDING = {
    "metadata": {"name": "p"},
    "status": {"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
         "message": "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."}]},
}
RUNNING = {
    "metadata": {"name": "p"},
    "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
               "containerStatuses": [{"name": "app", "restartCount": 2, "state": {"running": {}}}]},
}


def test_string_conditions():
    assert condition_met(RUNNING, "Ready") and not condition_met(PENDING, "Ready")
    assert condition_met(RUNNING, "Running") and condition_met(PENDING, "Pending")
    assert condition_met({"status": {"phase": "Bound"}}, "Bound")
    assert condition_met({"status": {"conditions": [{"type": "Complete", "status": "True"}]}}, "Complete")
    assert condition_met(None, "deleted") and not condition_met(RUNNING, "deleted")
    assert not condition_met(None, "Ready")


def test_callable_conditions_never_see_a_missing_object():
    assert not condition_met(None, lambda obj: obj["x"])
    assert condition_met({"x": 1}, lambda obj: obj["x"] == 1)


def test_rolled_out_follows_kubectl_rollout_status():
    dep = {"metadata": {"generation": 2}, "spec": {"replicas": 3},
           "status": {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}}
    assert rolled_out(dep)
    assert not rolled_out({**dep, "status": {**dep["status"], "observedGeneration": 1}})
    assert not rolled_out({**dep, "status": {**dep["status"], "replicas": 4}})  # old pods still there
    assert rolled_out({"metadata": {"generation": 1}, "spec": {"replicas": 0}, "status": {"observedGeneration": 1}})


def test_status_says_why_a_pod_waits():
    text = describe_status(PENDING)
    assert "phase Pending" in text and "PodScheduled=False (Unschedulable: 0/3 nodes" in text
    pulling = {"status": {"phase": "Pending", "containerStatuses": [
        {"name": "app", "state": {"waiting": {"reason": "ErrImageNeverPull", "message": "image not present"}}}]}}
    assert "container app waiting (ErrImageNeverPull: image not present)" in describe_status(pulling)
    assert "restarted 2x" in describe_status(RUNNING)
    assert describe_status(None) == "it does not exist"
