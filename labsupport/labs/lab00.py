"""Checks for lab 00, "Welcome and setup".

Every check depends on something the learner did: an answer recorded with ``lab.answer(ctx, key, value)``
(verified here against the live cluster or this machine) or an object created in the lab namespace.
"""

from __future__ import annotations

from pathlib import Path

from labsupport import find, versions
from labsupport.answers import answer_list, read_answer
from labsupport.checks import CheckSuite, fail, ok, partial
from labsupport.facts import is_control_plane, is_ready
from labsupport.labs.common import missing_answer, summarize
from labsupport.labs.evidence import not_scheduled

SUITE = CheckSuite("00", "Welcome and setup")

PAUSE_IMAGE = versions.get("PAUSE_IMAGE")  # the sandbox image every node already has
INOTIFY_INSTANCES = Path("/proc/sys/fs/inotify/max_user_instances")


def _nodes(ctx) -> list[dict]:
    return find.by_label(ctx.clients, "Node", None)


def _name(obj: dict) -> str:
    return obj["metadata"]["name"]


@SUITE.check(id="preflight-inotify", task=1, title="Preflight: inotify limit read on this machine", points=1,
             hint="Task 1: Read /proc/sys/fs/inotify/max_user_instances and record the number it holds.")
def preflight_inotify(ctx):
    answer = read_answer(ctx, "inotify-max-user-instances")
    if answer is None:
        return missing_answer("inotify-max-user-instances")
    truth = INOTIFY_INSTANCES.read_text().strip()
    if answer.strip() != truth:
        hint = None
        if answer.strip() == Path("/proc/sys/fs/inotify/max_user_watches").read_text().strip():
            hint = "You recorded max_user_watches; the task asks for max_user_instances."
        return fail(f"You recorded {answer!r}, but this machine's max_user_instances is {truth}.", hint)
    note = "" if int(truth) >= 512 else (
        " It is below the 512 kind recommends for multi-node clusters: if nodes fail to start, raise it with "
        "`sysctl fs.inotify.max_user_instances=512`.")
    return ok(f"max_user_instances = {truth}.{note}")


@SUITE.check(id="kind-nodes", task=2, title="kind: each node is a container bootstrapped by kubeadm", points=2,
             hint="Task 2: List the cluster's containers with `docker ps --filter label=io.x-k8s.kind.cluster=...`"
                  " and ask kubeadm for its version inside the control-plane container.")
def kind_nodes(ctx):
    containers = read_answer(ctx, "kind-containers")
    kubeadm = read_answer(ctx, "kubeadm-version")
    if containers is None and kubeadm is None:
        return missing_answer("kind-containers")
    nodes = sorted(_name(n) for n in _nodes(ctx))
    server = ctx.clients.version.get_code().git_version
    good, problems, hints = 0, [], []
    if containers is None:
        problems.append("no answer for 'kind-containers'")
    elif answer_list(containers) == nodes:
        good += 1
    else:
        problems.append(f"containers {answer_list(containers)} are not the nodes {nodes}")
        hints.append("Record every container of the cluster (control plane and workers), names only.")
    if kubeadm is None:
        problems.append("no answer for 'kubeadm-version'")
    elif kubeadm.strip() == server:
        good += 1
    else:
        problems.append(f"kubeadm version {kubeadm.strip()!r} is not {server!r}")
        hints.append("Run `kubeadm version -o short` inside the control-plane container with docker exec.")
    return summarize(good / 2, problems, hints,
                     f"Nodes {nodes} are kind containers; kubeadm {server} bootstrapped them.")


@SUITE.check(id="first-kubectl", task=3, title="First kubectl commands: server version and node count", points=2,
             hint="Task 3: Use `kubectl version -o json` (serverVersion.gitVersion) and `kubectl get nodes`.")
def first_kubectl(ctx):
    version = read_answer(ctx, "server-version")
    count = read_answer(ctx, "node-count")
    if version is None and count is None:
        return missing_answer("server-version")
    server = ctx.clients.version.get_code().git_version
    nodes = _nodes(ctx)
    good, problems, hints = 0, [], []
    if version is not None and version.strip() == server:
        good += 1
    else:
        problems.append(f"server version answer {version!r} is not {server!r}")
        hints.append("Record serverVersion.gitVersion (e.g. 'v1.34.0'), not the client's.")
    if count is not None and count.strip() == str(len(nodes)):
        good += 1
    else:
        problems.append(f"node count answer {count!r} is not {len(nodes)}")
        workers = [n for n in nodes if not is_control_plane(n)]
        if count is not None and count.strip() == str(len(workers)):
            hints.append("You counted only the workers: the control-plane node is a node too.")
    return summarize(good / 2, problems, hints, f"Server {server}, {len(nodes)} nodes.")


@SUITE.check(id="nodes-ready", task=4, title="Client library: the three nodes are Ready", points=2,
             hint="Task 4: With ctx.clients.core.list_node(), keep the nodes whose Ready condition is 'True'.")
def nodes_ready(ctx):
    answer = read_answer(ctx, "ready-nodes")
    if answer is None:
        return missing_answer("ready-nodes")
    nodes = _nodes(ctx)
    ready = sorted(_name(n) for n in nodes if is_ready(n))
    control = [n for n in nodes if is_control_plane(n) and is_ready(n)]
    if len(ready) != 3 or len(control) != 1:
        return fail(f"The cluster has {len(ready)} Ready nodes ({ready}); this check (and lab 01) needs the "
                    "three-node lab cluster: 1 control plane and 2 workers, all Ready.",
                    "A one-node cluster (CONFIG=clusters/kind-1node.yaml) serves labs 02 and 03 only: recreate "
                    "the three-node one with `make cluster RECREATE=1`, then rerun this lab.")
    if answer_list(answer) != ready:
        hint = "Record node names, only those whose Ready condition has status 'True'."
        return fail(f"You recorded {answer_list(answer)}, but the Ready nodes are {ready}.", hint)
    return ok(f"Ready nodes: {', '.join(ready)}.")


@SUITE.check(id="container-runtime", task=3, title="The container runtime each node reports", points=1,
             hint="Task 3: `kubectl get nodes -o wide` shows it in the CONTAINER-RUNTIME column.")
def container_runtime(ctx):
    answer = read_answer(ctx, "container-runtime")
    if answer is None:
        return missing_answer("container-runtime")
    runtimes = {n["status"]["nodeInfo"]["containerRuntimeVersion"] for n in _nodes(ctx)}
    if answer.strip() in runtimes:
        return ok(f"The nodes run {answer.strip()}.")
    names = {r.split("://")[0] for r in runtimes}
    if answer.strip().split("://")[0] in names:
        return partial(0.5, f"Right runtime, but record it exactly as the node reports it: {sorted(runtimes)}.")
    return fail(f"You recorded {answer!r}; the nodes report {sorted(runtimes)}.")


@SUITE.check(id="first-configmap", task=5, title="A first object: ConfigMap 'welcome'", points=1,
             hint="Task 5: kubectl create configmap welcome --from-literal=greeting=hello -n <namespace>")
def first_configmap(ctx):
    cm = find.get(ctx.clients, "ConfigMap", "welcome", ctx.namespace)
    if cm is None:
        return fail(f"No ConfigMap 'welcome' in namespace {ctx.namespace}.")
    data = cm.get("data") or {}
    if data.get("greeting") == "hello":
        return ok("ConfigMap 'welcome' holds greeting=hello.")
    return partial(0.5, f"ConfigMap 'welcome' exists but its data is {data}.",
                   "It needs the key 'greeting' with the value 'hello'.")


def _requests_defaulted(pod: dict, container: str) -> bool:
    """Whether the namespace's LimitRange, not the manifest, gave ``container`` its requests: the LimitRanger
    admission plugin says so in an annotation (a graded namespace has a LimitRange, so a pod without requests
    arrives with the defaults)."""
    said = ((pod.get("metadata") or {}).get("annotations") or {}).get("kubernetes.io/limit-ranger", "")
    return any(part.strip().endswith(f"request for container {container}") for part in said.split(";"))


@SUITE.check(id="first-pod", task=5, title="A first pod 'hello' running the pause image", points=2,
             hint="Task 5: Apply the pod manifest from the task, then wait for it to be Ready.")
def first_pod(ctx):
    pod = find.get(ctx.clients, "Pod", "hello", ctx.namespace)
    if pod is None:
        return fail(f"No pod 'hello' in namespace {ctx.namespace}.")
    container, node = pod["spec"]["containers"][0], pod["spec"].get("nodeName")
    if container.get("image") != PAUSE_IMAGE:
        return partial(0.25, f"Pod 'hello' runs {container.get('image')!r}.",
                       f"Use {PAUSE_IMAGE}: it is already on every node (on the offline-built cluster nothing can be pulled).")
    if container.get("imagePullPolicy") != "IfNotPresent":
        return partial(0.5, f"Pod 'hello' has imagePullPolicy {container.get('imagePullPolicy')}.",
                       "Set imagePullPolicy: IfNotPresent so the node uses the image it already has.")
    if not (container.get("resources") or {}).get("requests") or _requests_defaulted(pod, container["name"]):
        return partial(0.75, "Pod 'hello' sets no resource requests.",
                       "Request a little CPU and memory (10m, 16Mi): the scheduler places pods by requests.")
    # spec.nodeName and status can be written by hand: only the scheduler's event shows the pod was placed.
    unplaced = not_scheduled(ctx, pod)
    if unplaced:
        return partial(0.5, f"Pod 'hello' was not placed by the scheduler: {unplaced}.",
                       "Create the pod without spec.nodeName (and never patch its status): the scheduler picks a "
                       "node, the kubelet there runs it and reports its status.")
    phase = (pod.get("status") or {}).get("phase")
    if phase != "Running":
        return partial(0.5, f"Pod 'hello' is {phase} on node {node}.",
                       "Look at `kubectl describe pod hello` for its events.")
    return ok(f"The scheduler placed pod 'hello' on {node}, where it runs.")
