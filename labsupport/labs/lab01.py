"""Checks for lab 01, "The control plane and the nodes".

Tasks 3, 7 and 9 are stretch tasks: their checks count their points but are not required to pass.

Each check reads the live cluster, and verifies the learner's recorded answers (``lab.answer``) against what
the cluster really holds: the static pods, the scheduler's lease, the API's answers, etcd's keys, the scheduler's
placements and events, the containers on a node.
"""

from __future__ import annotations

from datetime import datetime

from kubernetes.client.exceptions import ApiException

from labsupport import etcd, find, rawapi
from labsupport.answers import answer_list, read_answers
from labsupport.checks import CheckSuite, fail, ok, partial
from labsupport.config import LAB_LABEL
from labsupport.facts import annotations_of, is_control_plane, is_ready, is_terminating, labels_of
from labsupport.labs.common import missing_answer, needs_two_workers, score_parts
from labsupport.labs.evidence import cordon_events, healing, not_scheduled, scheduled_event, when
from labsupport.podexec import run_in_node

SUITE = CheckSuite("01", "The control plane and the nodes")

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


# ---- small private helpers ---------------------------------------------------------------------------------

def _get(ctx, kind: str, name: str, namespace: str | None = None, **kw) -> dict | None:
    return find.get(ctx.clients, kind, name, namespace, **kw)


def _name(obj: dict) -> str:
    return obj["metadata"]["name"]


def _created(obj: dict) -> datetime:
    return datetime.fromisoformat(obj["metadata"]["creationTimestamp"].replace("Z", "+00:00"))


def _nodes(ctx) -> list[dict]:
    return find.by_label(ctx.clients, "Node", None)


def _workers(ctx) -> list[str]:
    return sorted(_name(n) for n in _nodes(ctx) if not is_control_plane(n))


def _control_plane_node(ctx) -> str:
    return next((_name(n) for n in _nodes(ctx) if is_control_plane(n)), f"{ctx.cluster_name}-control-plane")


def _live_pods(ctx, selector: str) -> list[dict]:
    return [p for p in find.pods(ctx.clients, ctx.namespace, selector) if not is_terminating(p)]


# ---- the control plane -------------------------------------------------------------------------------------

@SUITE.check(id="static-pods", task=1, title="Control plane: the static pods and the scheduler's node", points=2,
             hint="Task 1: `kubectl get pods -n kube-system -o wide`: the static pods carry the node's name as suffix.")
def static_pods(ctx):
    a = read_answers(ctx, "static-pods", "scheduler-node")
    if all(v is None for v in a.values()):
        return missing_answer("static-pods", "scheduler-node")
    pods = find.pods(ctx.clients, "kube-system")
    mirrors = sorted(_name(p) for p in pods if MIRROR_ANNOTATION in annotations_of(p))
    schedulers = [p["spec"].get("nodeName") for p in pods if labels_of(p).get("component") == "kube-scheduler"]
    listed = answer_list(a["static-pods"] or "")
    extra = sorted(set(listed) & {_name(p) for p in pods} - set(mirrors))
    if extra:
        hint = (f"Keep only the static pods (etcd, API server, controller manager, scheduler); {extra} are "
                "created through the API server (DaemonSets, Deployments).")
    elif len(listed) == 1 and listed[0].isdigit():
        hint = "Record the static pods' names (a list), not how many there are."
    else:
        hint = "List the names of all of them: etcd, kube-apiserver, kube-controller-manager, kube-scheduler."
    return score_parts([
        (listed == mirrors, f"static pods answer {listed} is not {mirrors}", hint),
        (a["scheduler-node"] in schedulers,
         f"scheduler node answer {a['scheduler-node']!r} is not {schedulers}",
         "Record the NODE column of the kube-scheduler pod, not the pod's name."),
    ], f"{len(mirrors)} static pods; the scheduler runs on {', '.join(schedulers)}.")


@SUITE.check(id="leader-election", task=2, title="HA: who holds the scheduler's leader lease", points=1,
             hint="Task 2: `kubectl get lease kube-scheduler -n kube-system -o yaml`: spec.holderIdentity.")
def leader_election(ctx):
    answer = read_answers(ctx, "scheduler-leader")["scheduler-leader"]
    if answer is None:
        return missing_answer("scheduler-leader")
    lease = _get(ctx, "Lease", "kube-scheduler", "kube-system")
    holder = lease["spec"].get("holderIdentity") or ""
    if answer == holder:
        return ok(f"The lease is held by {holder}.")
    if answer.split("_")[0] == holder.split("_")[0]:
        return ok(f"The lease is held on {holder.split('_')[0]} (the scheduler restarted since: {holder}).")
    return fail(f"You recorded {answer!r}; the lease's holder is {holder!r}.",
                "Record spec.holderIdentity of the Lease, not its name.")


# ---- the API server ----------------------------------------------------------------------------------------

@SUITE.check(id="raw-api", task=3, title="API server: raw calls with and without the kubeconfig's credentials",
             points=2, required=False, hint="Task 3: Call https://<server>/api/v1/namespaces/<namespace> with the client certificate "
                            "from your kubeconfig, then again with none.")
def raw_api(ctx):
    a = read_answers(ctx, "namespace-uid", "anonymous-status")
    if all(v is None for v in a.values()):
        return missing_answer("namespace-uid", "anonymous-status")
    uid = _get(ctx, "Namespace", ctx.namespace)["metadata"]["uid"]
    anonymous = rawapi.anonymous_status(ctx.clients, f"/api/v1/namespaces/{ctx.namespace}")
    return score_parts([
        (a["namespace-uid"] == uid, f"namespace uid answer {a['namespace-uid']!r} is not {uid!r}",
         "Record metadata.uid of YOUR namespace from the JSON the authenticated call returned."),
        (a["anonymous-status"] == str(anonymous),
         f"status without credentials {a['anonymous-status']!r} is not {anonymous}",
         "Record the HTTP status code of the call made with no client certificate (an int such as 401/403)."),
    ], f"Authenticated call saw uid {uid}; the anonymous call got HTTP {anonymous}.")


# ---- controllers -------------------------------------------------------------------------------------------

@SUITE.check(id="replicaset-heals", task=4, title="Controllers: a deleted ReplicaSet pod is replaced", points=2,
             hint="Task 4: Delete one pod of ReplicaSet 'web', then record the deleted and the new pod's names.")
def replicaset_heals(ctx):
    a = read_answers(ctx, "deleted-pod", "replacement-pod")
    if all(v is None for v in a.values()):
        return missing_answer("deleted-pod", "replacement-pod")
    rs = _get(ctx, "ReplicaSet", "web", ctx.namespace)
    if rs is None:
        return fail("There is no ReplicaSet 'web'.")
    # The names are claims: the controller's and the kubelet's events confirm them (created, stopped, replaced).
    healed = healing(ctx, rs, a["deleted-pod"], find.pods(ctx.clients, ctx.namespace)) \
        if a["deleted-pod"] else None
    replaced = healed is not None and healed.problem is None and a["replacement-pod"] in healed.replacements
    return score_parts([
        (healed is not None and healed.problem is None,
         healed.problem if healed else "no answer for 'deleted-pod'",
         "Delete one of the ReplicaSet's running pods with kubectl and record that pod's name."),
        (replaced,
         f"{a['replacement-pod']!r} is not a pod the ReplicaSet created after {a['deleted-pod']} was deleted"
         + (f" (those are {list(healed.replacements)})" if healed and healed.replacements else ""),
         "Record the name of the NEW pod (not in the list you took before deleting), owned by 'web'."),
    ], f"Pod {a['deleted-pod']} was deleted and the ReplicaSet replaced it with {a['replacement-pod']}.")


@SUITE.check(id="scaled", task=5, title="Controllers: scaled to 3, endpoints follow", points=2,
             hint="Task 5: kubectl scale replicaset web --replicas=3, then wait until all three are ready.")
def scaled(ctx):
    rs = _get(ctx, "ReplicaSet", "web", ctx.namespace)
    if rs is None:
        return fail("There is no ReplicaSet 'web'.")
    want, ready = rs["spec"].get("replicas", 1), (rs.get("status") or {}).get("readyReplicas") or 0
    if want != 3:
        return fail(f"ReplicaSet 'web' wants {want} replicas.", "Scale it to 3 (spec.replicas).")
    if ready != 3:
        return partial(0.5, f"ReplicaSet 'web' has {ready}/3 ready pods.",
                       "Wait for the pods to become Ready; `kubectl describe rs web` shows why not.")
    pod_ips = sorted(p["status"].get("podIP") for p in _live_pods(ctx, "app=web") if is_ready(p))
    slices = find.by_label(ctx.clients, "EndpointSlice", ctx.namespace, "kubernetes.io/service-name=web")
    ips = sorted(addr for s in slices for e in s.get("endpoints") or []
                 if (e.get("conditions") is None or e["conditions"].get("ready")) for addr in e["addresses"])
    if not slices:
        return partial(0.75, "ReplicaSet 'web' is at 3, but there is no Service 'web' (no EndpointSlice).",
                       "Create the Service 'web' selecting app=web.")
    if ips != pod_ips:
        return partial(0.75, f"The endpoints of 'web' are {ips}, the ready pods {pod_ips}.",
                       "The Service's selector must match the pods' labels (app=web).")
    return ok(f"3 ready replicas, and the endpoints controller lists all three: {', '.join(ips)}.")


@SUITE.check(id="api-proxy", task=6, title="API server as a proxy to a service and to a pod", points=2,
             hint="Task 6: kubectl get --raw /api/v1/namespaces/<namespace>/services/web:http/proxy/hostname, "
                  "and the same through /pods/<pod>:8080/proxy/hostname")
def api_proxy(ctx):
    a = read_answers(ctx, "proxy-hostname", "proxy-pod")
    if all(v is None for v in a.values()):
        return missing_answer("proxy-hostname", "proxy-pod")
    if _get(ctx, "Service", "web", ctx.namespace) is None:
        return fail("There is no Service 'web' to proxy to.")
    names = [_name(p) for p in _live_pods(ctx, "app=web")]
    try:
        ctx.clients.core.connect_get_namespaced_service_proxy_with_path("web:http", ctx.namespace, "hostname")
    except ApiException as exc:
        return fail(f"The grader's own proxy call to Service 'web' failed: HTTP {exc.status} {exc.reason}.",
                    "The Service 'web' needs a port named 'http' targeting the pods' port 8080, and ready pods.")
    via_pod = None
    if a["proxy-pod"] in names:
        via_pod = ctx.clients.core.connect_get_namespaced_pod_proxy_with_path(
            f"{a['proxy-pod']}:8080", ctx.namespace, "hostname")
    return score_parts([
        (a["proxy-hostname"] in names,
         f"service proxy answer {a['proxy-hostname']!r} is not one of the pods behind 'web' {names}",
         "Record what the proxied /hostname path returned (a pod name), after scaling."),
        (via_pod is not None and via_pod.strip() == a["proxy-pod"],
         f"pod proxy answer {a['proxy-pod']!r} is not a 'web' pod that answers to its own name",
         "Call /api/v1/namespaces/<namespace>/pods/<a web pod>:8080/proxy/hostname and record its reply."),
    ], f"Through the API server: Service 'web' answered {a['proxy-hostname']}, pod {a['proxy-pod']} itself.")


@SUITE.check(id="controller-loops", task=7, title="Controllers: service accounts and tokens, node leases", points=2,
             required=False,
             hint="Task 7: Create namespace <namespace>-extra labelled kindlab.dev/lab=01, look at its "
                  "ServiceAccounts, call the API with a token of 'default'; list the Leases in kube-node-lease.")
def controller_loops(ctx):
    a = read_answers(ctx, "extra-sa-seconds", "node-leases", "extra-sa-user")
    if all(v is None for v in a.values()):
        return missing_answer("extra-sa-seconds", "node-leases", "extra-sa-user")
    extra = f"{ctx.namespace}-extra"
    ns = _get(ctx, "Namespace", extra)
    sa = _get(ctx, "ServiceAccount", "default", extra) if ns else None
    seconds = None
    if sa is not None:
        seconds = (_created(sa) - _created(ns)).total_seconds()
    leases = sorted(_name(lease) for lease in find.by_label(ctx.clients, "Lease", "kube-node-lease"))
    try:
        answered = float(a["extra-sa-seconds"]) if a["extra-sa-seconds"] is not None else None
    except ValueError:
        answered = None
    labelled = ns is not None and labels_of(ns).get(LAB_LABEL) == "01"
    user = f"system:serviceaccount:{extra}:default"
    return score_parts([
        (ns is not None, f"namespace {extra} does not exist", f"Create the namespace {extra}."),
        (labelled, f"namespace {extra} lacks the label kindlab.dev/lab=01",
         "Label it kindlab.dev/lab=01 so a clean-up can find it."),
        (seconds is not None and answered is not None and abs(answered - seconds) <= 1,
         f"seconds answer {a['extra-sa-seconds']!r} is not the live delay {seconds}",
         "Record (ServiceAccount creationTimestamp - namespace creationTimestamp) in seconds."),
        (a["extra-sa-user"] == user, f"token user answer {a['extra-sa-user']!r} is not {user!r}",
         "Record the user name the API server's 403 message names for the token of ServiceAccount 'default'."),
        (a["node-leases"] is not None and answer_list(a["node-leases"]) == leases,
         f"node leases answer {a['node-leases']!r} is not {leases}",
         "List the Lease names in namespace kube-node-lease (one per node)."),
    ], f"ServiceAccount 'default' appeared {seconds:.0f}s after {extra} and its token authenticates as {user}; "
       f"leases {leases}." if seconds is not None else "")


@SUITE.check(id="no-cloud-controller", task=8, title="No cloud controller manager: a LoadBalancer stays pending",
             points=1, hint="Task 8: Create Service 'web-lb' of type LoadBalancer and read its EXTERNAL-IP column.")
def no_cloud_controller(ctx):
    answer = read_answers(ctx, "lb-external-ip")["lb-external-ip"]
    if answer is None:
        return missing_answer("lb-external-ip")
    svc = _get(ctx, "Service", "web-lb", ctx.namespace)
    if svc is None or svc["spec"].get("type") != "LoadBalancer":
        return fail("There is no Service 'web-lb' of type LoadBalancer.")
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    truth = ingress[0].get("ip") or ingress[0].get("hostname") if ingress else "<pending>"
    if answer == truth:
        return ok(f"EXTERNAL-IP is {truth}: nothing in this cluster provisions load balancers."
                  if truth == "<pending>" else f"EXTERNAL-IP is {truth}.")
    return fail(f"You recorded {answer!r}; the Service's EXTERNAL-IP is {truth!r}.",
                "Record the EXTERNAL-IP column exactly as `kubectl get service web-lb` prints it.")


@SUITE.check(id="etcd-key", task=9, title="etcd: the key of your ConfigMap 'notes'", points=2, required=False,
             hint="Task 9: List keys under /registry/configmaps/<namespace>/ in etcd.")
def etcd_key(ctx):
    answer = read_answers(ctx, "etcd-key")["etcd-key"]
    if answer is None:
        return missing_answer("etcd-key")
    prefix = f"/registry/configmaps/{ctx.namespace}/"
    keys = etcd.keys(_control_plane_node(ctx), prefix)
    want = prefix + "notes"
    if want not in keys:
        return fail(f"etcd has no key {want} (it has {keys}).", "Task 9: create the ConfigMap 'notes' first.")
    if answer == want:
        return ok(f"{want} is in etcd.")
    if answer in keys:
        return partial(0.5, f"{answer} is in etcd, but it is not the key of ConfigMap 'notes'.",
                       "Pick the key that ends with your ConfigMap's name.")
    return fail(f"You recorded {answer!r}; the key is not that.",
                "Keys look like /registry/<resource>/<namespace>/<name>, decoded from base64.")


def _cni_daemonsets(ctx) -> list[str]:
    """DaemonSets (any namespace) that install a CNI configuration on every node: the pod network plugin."""
    return sorted(_name(d) for d in find.by_label(ctx.clients, "DaemonSet", None)
                  if any((v.get("hostPath") or {}).get("path", "").startswith("/etc/cni")
                         for v in d["spec"]["template"]["spec"].get("volumes") or []))


@SUITE.check(id="pluggable-pieces", task=10, title="Extensibility: the runtime, network and storage plugins in use",
             points=2, hint="Task 10: `kubectl get nodes -o wide`, `kubectl get daemonsets -A`, "
                            "`kubectl get storageclass`.")
def pluggable_pieces(ctx):
    a = read_answers(ctx, "runtime", "cni-daemonset", "storage-provisioner")
    if all(v is None for v in a.values()):
        return missing_answer("runtime", "cni-daemonset", "storage-provisioner")
    runtimes = {n["status"]["nodeInfo"]["containerRuntimeVersion"].split("://")[0] for n in _nodes(ctx)}
    cni = _cni_daemonsets(ctx)
    classes = find.by_label(ctx.clients, "StorageClass", None)
    default = [c["provisioner"] for c in classes
               if annotations_of(c).get("storageclass.kubernetes.io/is-default-class") == "true"]
    return score_parts([
        (a["runtime"] in runtimes, f"runtime answer {a['runtime']!r} is not one of {sorted(runtimes)}",
         "Record the runtime's name without its version (the part before ://)."),
        (a["cni-daemonset"] in cni,
         f"CNI answer {a['cni-daemonset']!r} is not the network plugin's DaemonSet {cni}",
         "kube-proxy implements services, not the pod network; the CNI plugin's DaemonSet mounts /etc/cni/net.d."),
        (a["storage-provisioner"] in default,
         f"provisioner answer {a['storage-provisioner']!r} is not the default class's {default}",
         "Record the PROVISIONER of the default StorageClass, not the class's name."),
    ], f"Runtime {sorted(runtimes)}, CNI DaemonSet {a['cni-daemonset']}, provisioner {default}.")


# ---- the scheduler -----------------------------------------------------------------------------------------

@SUITE.check(id="pending-pod", task=11, title="Scheduler: a pod too big to fit stays Pending", points=2,
             hint="Task 11: Create pod 'too-big' requesting more CPU than any node's allocatable CPU, then read "
                  "its events.")
def pending_pod(ctx):
    pod = _get(ctx, "Pod", "too-big", ctx.namespace)
    answer = read_answers(ctx, "pending-resource")["pending-resource"]
    if pod is None:
        return fail("There is no pod 'too-big'.")
    phase, node = (pod.get("status") or {}).get("phase"), pod["spec"].get("nodeName")
    if phase != "Pending" or node:
        return fail(f"Pod 'too-big' is {phase} on {node}: it fits.",
                    "Request more CPU than any node's allocatable CPU (kind nodes report the host's CPUs: read "
                    "status.allocatable.cpu of the nodes and add one), so that no node can take it.")
    events = find.events_about(ctx.clients, ctx.namespace, "Pod", "too-big")
    messages = [e.get("message") or "" for e in events if e.get("reason") == "FailedScheduling"]
    insufficient = [m for m in messages if "Insufficient" in m]
    if not insufficient:
        return partial(0.5, f"Pod 'too-big' is Pending but no FailedScheduling event says Insufficient "
                       f"({messages}).", "It must be unschedulable because of its requests, not a selector.")
    resources = {w.split()[0].strip(".,") for m in insufficient for w in m.split("Insufficient ")[1:]}
    if answer is None:
        return partial(0.75, f"The event says: {insufficient[-1]}", "Record the resource that was short.")
    if answer in resources:
        return ok(f"Pending, explained by the scheduler: {insufficient[-1]}")
    return partial(0.75, f"You recorded {answer!r}; the event names {sorted(resources)}.",
                   "Record the word after 'Insufficient' in the event.")


def _spread_rule(pod: dict) -> str | None:
    """'required', 'spread' (a hard topology spread), 'preferred' or None: how the pod keeps off its siblings."""
    spec = pod["spec"]
    anti = (spec.get("affinity") or {}).get("podAntiAffinity") or {}
    if any(t.get("topologyKey") == "kubernetes.io/hostname"
           for t in anti.get("requiredDuringSchedulingIgnoredDuringExecution") or []):
        return "required"
    # maxSkew 1 on hostname, DoNotSchedule: at most one more pod on any node than on another, also a hard rule.
    if any(c.get("topologyKey") == "kubernetes.io/hostname" and c.get("maxSkew") == 1
           and c.get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule"
           for c in spec.get("topologySpreadConstraints") or []):
        return "spread"
    if anti.get("preferredDuringSchedulingIgnoredDuringExecution") or spec.get("topologySpreadConstraints"):
        return "preferred"
    return None


@SUITE.check(id="anti-affinity", task=12, title="Scheduler: two pods spread by required anti-affinity", points=2,
             hint="Task 12: Deployment 'spread' with 2 replicas and requiredDuringSchedulingIgnoredDuringExecution "
                  "podAntiAffinity on topologyKey kubernetes.io/hostname (or a topologySpreadConstraint with "
                  "maxSkew 1, whenUnsatisfiable DoNotSchedule).")
def anti_affinity(ctx):
    pods = [p for p in _live_pods(ctx, "app=spread") if (p.get("status") or {}).get("phase") == "Running"]
    if not pods:
        return fail("No running pods labelled app=spread.")
    if (short := needs_two_workers(ctx, "Spreading two pods over the workers")) is not None:
        return short
    workers = _workers(ctx)
    nodes = sorted(p["spec"].get("nodeName") for p in pods)
    kinds = {_spread_rule(p) for p in pods}
    if len(kinds) != 1 or kinds - {"required", "spread"}:
        if "preferred" in kinds:
            return partial(0.5, f"The pods run on {nodes}, but their anti-affinity is only preferred.",
                           "Use requiredDuringSchedulingIgnoredDuringExecution: 'preferred' lets the "
                           "scheduler put both pods on one node when it wants to.")
        return partial(0.25, f"The pods run on {nodes} without pod anti-affinity on kubernetes.io/hostname.",
                       "Add spec.affinity.podAntiAffinity with topologyKey kubernetes.io/hostname.")
    unplaced = [why for p in pods if (why := not_scheduled(ctx, p))]
    if unplaced:
        return partial(0.5, f"The spread pods were not placed by the scheduler: {unplaced[0]}.",
                       "Leave spec.nodeName out of the pod template: the rule only means something when the "
                       "scheduler applies it.")
    if nodes != workers:
        return partial(0.5, f"The running spread pods are on {nodes}, not one on each worker {workers}.",
                       "Run exactly 2 replicas; a third cannot be placed (the control plane is tainted).")
    how = "required anti-affinity" if kinds == {"required"} else "a topology spread constraint"
    return ok(f"The scheduler put one pod on each worker by {how}: {', '.join(nodes)}.")


def _affinity_hostnames(pod: dict) -> list[str]:
    """Hostnames a required nodeAffinity allows (kubernetes.io/hostname In [...]), if that is how it picks."""
    required = ((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution") or {}
    return [v for term in required.get("nodeSelectorTerms") or [] for e in term.get("matchExpressions") or []
            if e.get("key") == "kubernetes.io/hostname" and e.get("operator") == "In" for v in e.get("values") or []]


@SUITE.check(id="node-selector", task=13, title="Scheduler: a pod placed by nodeSelector", points=1,
             hint="Task 13: Pod 'pinned' with nodeSelector kubernetes.io/hostname: <cluster>-worker2.")
def node_selector(ctx):
    pod = _get(ctx, "Pod", "pinned", ctx.namespace)
    if pod is None:
        return fail("There is no pod 'pinned'.")
    if (short := needs_two_workers(ctx, "Pinning a pod to worker2")) is not None:
        return short
    selector, node_name = pod["spec"].get("nodeSelector") or {}, pod["spec"].get("nodeName")
    phase = (pod.get("status") or {}).get("phase")
    target = f"{ctx.cluster_name}-worker2"
    by_affinity = _affinity_hostnames(pod)
    unplaced = not_scheduled(ctx, pod)
    if unplaced:
        what = ("has no nodeSelector" if not selector and not by_affinity else
                f"has nodeSelector {selector}" if selector else f"has a nodeAffinity for {by_affinity}")
        return partial(0.25, f"Pod 'pinned' is on {node_name} and {what}, but {unplaced}.",
                       "spec.nodeName bypasses the scheduler; use spec.nodeSelector so the scheduler places it.")
    if not selector and not by_affinity:
        return partial(0.25, f"Pod 'pinned' is on {node_name} but has no nodeSelector: the scheduler chose freely.",
                       f"Add spec.nodeSelector kubernetes.io/hostname: {target}.")
    node = _get(ctx, "Node", node_name) if node_name else None
    rule = f"nodeSelector {selector}" if selector else f"required nodeAffinity on hostname {by_affinity}"
    if node is None or phase != "Running":
        return partial(0.5, f"Pod 'pinned' is {phase} ({rule}).",
                       "No node carries those labels? Look at `kubectl get nodes --show-labels`.")
    if (selector.get("kubernetes.io/hostname") if selector else by_affinity[0] if len(by_affinity) == 1
            else None) != target:
        return partial(0.5, f"Pod 'pinned' runs on {_name(node)} by {rule}.",
                       f"Select the node {target} by its kubernetes.io/hostname label.")
    return ok(f"The scheduler placed pod 'pinned' on {_name(node)}, as its {rule} asks.")


@SUITE.check(id="cordon", task=14, title="Scheduler: a cordoned node takes no new pods (and is uncordoned after)",
             points=2, hint="Task 14: Cordon one worker, wait for its kubelet to report it, create pod "
                            "'while-cordoned', record where it landed, uncordon.")
def cordon(ctx):
    a = read_answers(ctx, "cordoned-node", "while-cordoned-node")
    if all(v is None for v in a.values()):
        return missing_answer("cordoned-node", "while-cordoned-node")
    cordoned_now = sorted(_name(n) for n in _nodes(ctx) if (n.get("spec") or {}).get("unschedulable"))
    if cordoned_now:
        return fail(f"Node(s) {cordoned_now} are still cordoned.",
                    "Run `kubectl uncordon` on them: a cordoned node takes no new pods, for every lab.")
    if (short := needs_two_workers(ctx, "Cordoning one worker while pods go to the other")) is not None:
        return short
    pod = _get(ctx, "Pod", "while-cordoned", ctx.namespace)
    pod_node = pod["spec"].get("nodeName") if pod else None
    workers = _workers(ctx)
    # The cordon and the placement are confirmed by the cluster's own records: the kubelet's NodeNotSchedulable
    # event for the recorded node during this lab, before the scheduler's Scheduled event for the pod.
    placed = scheduled_event(ctx, pod) if pod else None
    unplaced = not_scheduled(ctx, pod) if pod else "there is no pod 'while-cordoned'"
    since = when(_get(ctx, "Namespace", ctx.namespace))
    cordons = [e for e in cordon_events(ctx, a["cordoned-node"] or "-") if when(e) >= since]
    seen = placed is not None and any(when(e) <= when(placed) for e in cordons)
    return score_parts([
        (pod is not None and unplaced is None and pod_node == a["while-cordoned-node"],
         unplaced or f"pod 'while-cordoned' is on {pod_node}, not on {a['while-cordoned-node']!r} as recorded",
         "Create pod 'while-cordoned' (no nodeName: the scheduler must place it) while the node is cordoned, and "
         "record its spec.nodeName."),
        (a["cordoned-node"] in workers and a["cordoned-node"] != pod_node and seen,
         f"the cluster shows no cordon of {a['cordoned-node']!r} before 'while-cordoned' was scheduled"
         if a["cordoned-node"] in workers and a["cordoned-node"] != pod_node else
         f"the cordoned node {a['cordoned-node']!r} is not a worker other than the pod's node",
         "`kubectl cordon` a worker (not the control plane), wait until its kubelet reports it (a "
         "NodeNotSchedulable event), then create the pod; record the node's name. (Events are kept an hour: "
         "redo the task if you did it earlier.)"),
    ], f"The kubelet of {a['cordoned-node']} reported the cordon, then the scheduler put 'while-cordoned' on "
       f"{a['while-cordoned-node']}; no node is left cordoned.")


# ---- the node ----------------------------------------------------------------------------------------------

@SUITE.check(id="node-containers", task=15, title="The node: containerd's container of pod 'pinned'", points=1,
             hint="Task 15: docker exec <cluster>-worker2 crictl ps --label io.kubernetes.pod.name=pinned")
def node_containers(ctx):
    answer = read_answers(ctx, "pinned-container-id")["pinned-container-id"]
    if answer is None:
        return missing_answer("pinned-container-id")
    pod = _get(ctx, "Pod", "pinned", ctx.namespace)
    ids = [s["containerID"].split("://")[-1] for s in (pod.get("status") or {}).get("containerStatuses") or []
           if s.get("containerID")] if pod else []
    if not ids:
        return fail("Pod 'pinned' has no running container.", "Create pod 'pinned' first.")
    node = pod["spec"].get("nodeName")
    if len(answer) >= 12 and any(i.startswith(answer) for i in ids):
        return ok(f"crictl on {node} shows container {answer[:13]} of pod 'pinned'.")
    if answer in (pod["metadata"].get("uid") or ""):
        return fail("You recorded the pod's uid (metadata.uid).", "Record the CONTAINER id crictl prints.")
    sandboxes = run_in_node(node, ["crictl", "pods", "-q", "--name", "pinned",
                                   "--namespace", ctx.namespace]).stdout.split()
    if len(answer) >= 12 and any(s.startswith(answer) for s in sandboxes):
        return fail("You recorded the POD ID (the pod's sandbox, its pause container).",
                    "Record the CONTAINER id (first column of `crictl ps`), not the POD ID.")
    return fail(f"{answer!r} is not the id of pod 'pinned''s container (which starts {ids[0][:13]}).",
                "Run crictl on the node where 'pinned' runs; `crictl ps` without --label shows everything.")
