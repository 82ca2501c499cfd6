"""What a lab's notebook needs from the cluster, declared as data, so a submission gets no more than that.

A submission (or a workshop student) works in its own namespace with ``edit`` rights there. Everything beyond
that is declared here per lab and granted by ``labsupport.tenancy``: extra namespaces ``<namespace>-<suffix>``,
cluster-wide reads, reads in system namespaces, node access, the Pod Security level and the quota.

The declarations come from reading each lab's answer key (solutions/NN-*.ipynb): the least set that lets it pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    """One RBAC rule: ``Rule(("",), ("nodes",), ("get", "list", "watch"))``."""

    api_groups: tuple[str, ...]
    resources: tuple[str, ...]
    verbs: tuple[str, ...] = ("get", "list", "watch")

    def to_dict(self) -> dict:
        return {"apiGroups": list(self.api_groups), "resources": list(self.resources), "verbs": list(self.verbs)}


@dataclass(frozen=True)
class Quota:
    """Caps for one tenant's namespace, so one submission cannot starve the others on a shared cluster.

    ``None`` leaves a dimension unlimited (lab 01 asks the scheduler for 64 CPUs on purpose: a CPU quota or a
    default CPU limit would refuse that pod at admission instead of leaving it Pending).
    """

    pods: int = 40
    requests_cpu: str | None = "2"
    requests_memory: str | None = "2Gi"
    limits_memory: str | None = "8Gi"
    requests_storage: str = "1Gi"
    claims: int = 10
    services: int = 20
    # LimitRange: what a container without resources gets, and the most one container may ask for. Lab 03 runs
    # about 16 containers at once (more during a rollout's surge): 8Gi of limits at 128Mi each leaves room.
    default_request_cpu: str = "10m"
    default_request_memory: str = "16Mi"
    default_limit_memory: str = "128Mi"
    max_container_memory: str = "1Gi"

    def hard(self, *, counts_only: bool = False) -> dict[str, str]:
        """The quota's caps; ``counts_only``: objects and storage but no cpu or memory (a namespace whose cpu and
        memory quota the lab itself teaches: a quota on them would make every pod state them, and a LimitRange
        would fill in what the learner's own LimitRange must)."""
        hard = {"pods": str(self.pods), "requests.storage": self.requests_storage,
                "persistentvolumeclaims": str(self.claims), "services": str(self.services),
                # LoadBalancer/NodePort Services open ports on every node: one submission must not take them all.
                "services.nodeports": "2", "services.loadbalancers": "2"}
        if counts_only:
            return hard
        for key, value in (("requests.cpu", self.requests_cpu), ("requests.memory", self.requests_memory),
                           ("limits.memory", self.limits_memory)):
            if value is not None:
                hard[key] = value
        return hard

    def limit_range(self) -> dict:
        default_request = {"memory": self.default_request_memory}
        if self.requests_cpu is not None:
            default_request["cpu"] = self.default_request_cpu
        return {"type": "Container", "defaultRequest": default_request,
                "default": {"memory": self.default_limit_memory}, "max": {"memory": self.max_container_memory}}


# What every lab reads outside its namespace: nodes, volumes and classes (diagrams, checks, `kubectl get nodes`).
CLUSTER_READ = (
    Rule(("",), ("nodes", "persistentvolumes", "namespaces")),
    Rule(("storage.k8s.io",), ("storageclasses",)),
)
# diagrams.cluster(ctx) counts the pods of every namespace on each node; it needs a cluster-wide pod list.
POD_COUNTS = Rule(("",), ("pods",))
WRITE = ("get", "list", "watch", "create", "update", "patch", "delete")
# The cluster-scoped kinds a tenant may own, by name, under the guard policy (labsupport.tenantguard) and that
# teardown deletes by name: (apiVersion, kind, resource). Needs.own_cluster_objects may name only these.
OWN_KINDS = (("v1", "PersistentVolume", "persistentvolumes"),
             ("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles"),
             ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings"))
SYSTEM_READ = (Rule(("",), ("pods", "services", "endpoints", "configmaps")),
               Rule(("apps",), ("daemonsets", "deployments", "replicasets")),
               Rule(("coordination.k8s.io",), ("leases",)))


@dataclass(frozen=True)
class Needs:
    """What one lab needs; the defaults are a namespace-only lab.

    ``node_access``: the notebook talks to Docker or the nodes (kind, docker exec, crictl): the kernel then needs
    the host's docker group, which is root on the host, so such a lab cannot be graded least-privilege; the
    report says so. Reading through Docker changes nothing shared, so such a lab is still graded in parallel.
    ``cluster_write``: it changes cluster-wide state (cordon), so its submissions are graded one at a time.
    ``credential``: "token" (ServiceAccount token), or "certificate" for a lab whose notebook reads the client
    certificate out of its kubeconfig (lab 01 teaches authentication with it).
    ``namespace_rules``: rights in each of its own namespaces beyond the built-in ``edit`` (which has no RBAC
    objects and no custom resources such as Gateway API routes).
    ``own_cluster_objects``: cluster-scoped writes that the guard policy (``labsupport.tenantguard``) confines to
    objects named ``<namespace>-...`` (volumes under the tenant's own node folder, ClusterRoles without
    aggregation labels, ClusterRoleBindings to the tenant's own accounts); teardown deletes them by that name.
    They touch nothing another tenant owns, so they do not serialise grading.
    ``lab_quota_in``: suffixes of namespaces where the lab has the learner write a cpu/memory quota and a
    LimitRange: the tenant may write both kinds there, and the tenant's own quota there caps object counts only,
    with no LimitRange (the guard policy keeps it out of the tenant's reach).
    """

    suffixes: tuple[str, ...] = ()
    cluster_read: tuple[Rule, ...] = CLUSTER_READ
    namespace_read: tuple[tuple[str, tuple[Rule, ...]], ...] = ()
    cluster_write: tuple[Rule, ...] = ()
    namespace_write: tuple[tuple[str, tuple[Rule, ...]], ...] = ()
    pod_security: str = "baseline"
    quota: Quota = field(default_factory=Quota)
    node_access: bool = False
    credential: str = "token"
    namespace_rules: tuple[Rule, ...] = ()
    own_cluster_objects: tuple[Rule, ...] = ()
    lab_quota_in: tuple[str, ...] = ()

    @property
    def serialised(self) -> bool:
        return bool(self.cluster_write)

    def describe(self) -> list[str]:
        """Plain sentences for a report: what this lab's submissions were allowed beyond their namespace."""
        lines = [f"Pod Security admission: {self.pod_security}."]
        if self.suffixes:
            lines.append("Extra namespaces: " + ", ".join(f"<namespace>-{s}" for s in self.suffixes) + ".")
        if self.node_access:
            lines.append("Node access (Docker group): the notebook ran with host-root-equivalent rights, so this "
                         "lab cannot be graded least-privilege; grade it on a machine used only for grading.")
        if self.credential == "certificate":
            lines.append("Credential: a client certificate with the same rights as the tenant's token.")
        if self.own_cluster_objects:
            lines.append("Cluster-wide objects of its own (named <namespace>-..., checked by an admission policy): "
                         + ", ".join(f"{'/'.join(r.verbs)} {','.join(r.resources)}" for r in self.own_cluster_objects)
                         + ".")
        if self.lab_quota_in:
            lines.append("Its own ResourceQuota and LimitRange in " + ", ".join(
                f"<namespace>-{s}" for s in self.lab_quota_in) + " (the grader's quota there caps object counts only).")
        if self.cluster_write:
            lines.append("Cluster-wide writes: " + ", ".join(
                f"{'/'.join(r.verbs)} {','.join(r.resources)}" for r in self.cluster_write) + "; graded one at a time.")
        return lines


LAB_NEEDS: dict[str, Needs] = {
    # kind and docker from the notebook (cluster.ensure_cluster, `docker ps`, kubeadm in the node).
    "00": Needs(cluster_read=CLUSTER_READ + (POD_COUNTS,), node_access=True),
    "01": Needs(
        suffixes=("extra",),
        cluster_read=CLUSTER_READ + (POD_COUNTS, Rule(("apps",), ("daemonsets",)),
                                     Rule(("apiextensions.k8s.io",), ("customresourcedefinitions",))),
        namespace_read=(("kube-system", SYSTEM_READ), ("kube-node-lease", SYSTEM_READ),
                        # The cordon task waits for the kubelet's NodeNotSchedulable event (node events live here).
                        ("default", (Rule(("",), ("events",)),))),
        # `kubectl exec etcd-... -n kube-system -- etcdctl`: etcd's client certificates are cluster admin.
        namespace_write=(("kube-system", (Rule(("",), ("pods/exec",), ("create", "get")),)),),
        cluster_write=(Rule(("",), ("nodes",), ("patch", "update")),),  # cordon and uncordon
        quota=Quota(requests_cpu=None),
        node_access=True,
        credential="certificate"),  # task 2 reads the client certificate out of the kubeconfig
    "02": Needs(),
    # The DaemonSet mounts the node's /var/log (hostPath), which only the privileged level admits.
    "03": Needs(cluster_read=CLUSTER_READ + (POD_COUNTS,), pod_security="privileged"),
    "04": Needs(
        # Task 6 runs its own Traefik with the image of the add-on's Deployment.
        namespace_read=(("traefik", (Rule(("apps",), ("deployments",)),)),),
        # Task 5: Gateway and HTTPRoutes (Gateway API resources are not in the built-in edit role).
        namespace_rules=(Rule(("gateway.networking.k8s.io",), ("gateways", "httproutes"), WRITE),),
        node_access=True),  # task 2 asks the NodePort from inside a node: `docker exec <node> curl`
    "05": Needs(
        suffixes=("shop",),
        # Which CNI plugin and which NetworkPolicy enforcer run: their DaemonSets, in any namespace.
        cluster_read=CLUSTER_READ + (Rule(("apps",), ("daemonsets",)),),
        namespace_read=(("kube-system", (Rule(("",), ("configmaps",)),)),),  # kube-proxy's mode
        node_access=True),  # routes and kube-proxy's rules read on the nodes (docker exec ip / iptables / nft)
    "06": Needs(
        cluster_read=CLUSTER_READ + (Rule(("storage.k8s.io",), ("csidrivers",)),),
        # A PersistentVolume's events live in default; the provisioner's Deployment in local-path-storage.
        namespace_read=(("default", (Rule(("",), ("events",)),)),
                        ("local-path-storage", (Rule(("apps",), ("deployments",)),))),
        # Hand-made volumes <namespace>-... under /var/lab-volumes/<namespace>/ (the guard policy checks both),
        # and the sweep at the lab's start deletes those of namespaces that are gone (others' are refused).
        own_cluster_objects=(Rule(("",), ("persistentvolumes",), WRITE),),
        pod_security="privileged",  # task 1 mounts a hostPath volume
        node_access=True),  # node folders read and swept, the kernel's filesystems (docker exec)
    "07": Needs(
        suffixes=("dev", "prod"),
        # Task 5: a Role and RoleBinding for the team in <namespace>-dev (edit has no RBAC objects).
        namespace_rules=(Rule(("rbac.authorization.k8s.io",), ("roles", "rolebindings"), WRITE),),
        # Task 5: ClusterRole <namespace>-cluster-view and its ClusterRoleBinding to the team's account.
        own_cluster_objects=(Rule(("rbac.authorization.k8s.io",), ("clusterroles", "clusterrolebindings"), WRITE),),
        lab_quota_in=("dev",),  # task 4: the learner's quota and LimitRange in <namespace>-dev
        node_access=True),  # task 2 reads the Secret from etcd inside the control-plane node
}


def needs_for(lab_id: str) -> Needs:
    """The declared needs of ``lab_id``; an undeclared lab gets a namespace only."""
    return LAB_NEEDS.get(str(lab_id), Needs())
