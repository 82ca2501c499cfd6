"""Turn API objects into the snapshot's dataclasses, keeping only what a diagram draws.

Every parser takes one object, either a dict shaped like the API's JSON (camelCase keys, as `kubectl get -o
json`, YAML or a raw list response gives) or a `kubernetes` client model, and never fails on a missing field.

    >>> pod_from({"metadata": {"name": "web", "namespace": "demo"}, "status": {"phase": "Pending"}}).status
    'Pending'
"""

from __future__ import annotations

from typing import Any, Mapping

from ..facts import conditions, is_control_plane, is_ready, labels_of
from .objects import (Claim, Endpoint, EndpointPort, EndpointSlice, Ingress, IngressPath, Node, PersistentVolume, Pod,
                    Ref, Service, ServicePort, StorageClass, Volume, Workload)

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


def as_dict(obj: Any) -> dict:
    """An API object as a camelCase dict, whether it came as a dict or as a kubernetes client model."""
    if isinstance(obj, Mapping):
        return dict(obj)
    from kubernetes.client import ApiClient  # only for models; dicts need no client

    return ApiClient().sanitize_for_serialization(obj)


def model_kind(obj: Any) -> str:
    name = type(obj).__name__  # V1Pod -> Pod, V1PersistentVolumeClaim -> PersistentVolumeClaim
    return name[2:] if name[:1] == "V" and name[1:2].isdigit() else name


def _meta(obj: Mapping) -> Mapping:
    return obj.get("metadata") or {}


def _labels(obj: Mapping) -> dict[str, str]:
    return dict(labels_of(obj))  # a copy: the snapshot must not share the API object's dict


def _controller(obj: Mapping) -> Ref | None:
    refs = _meta(obj).get("ownerReferences") or []
    chosen = next((r for r in refs if r.get("controller")), refs[0] if refs else None)
    return Ref(chosen.get("kind") or "", chosen.get("name") or "", chosen.get("uid") or "") if chosen else None


def _images(spec: Mapping) -> tuple[str, ...]:
    return tuple(c.get("image") or "" for c in spec.get("containers") or [])


def node_from(obj: Any) -> Node:
    obj = as_dict(obj)
    labels, spec, status = _labels(obj), obj.get("spec") or {}, obj.get("status") or {}
    roles = tuple(sorted(k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/")))
    info = status.get("nodeInfo") or {}
    ip = next((a.get("address") or "" for a in status.get("addresses") or [] if a.get("type") == "InternalIP"), "")
    taints = tuple(f"{t.get('key')}:{t.get('effect')}" for t in spec.get("taints") or [])
    return Node(
        name=_meta(obj).get("name") or "", roles=roles, ready=is_ready(obj),
        kubelet_version=info.get("kubeletVersion") or "", runtime=info.get("containerRuntimeVersion") or "",
        internal_ip=ip, pod_cidr=spec.get("podCIDR") or "", unschedulable=bool(spec.get("unschedulable")),
        taints=taints, control_plane=is_control_plane(obj),
    )


def _volume(v: Mapping) -> Volume:
    name = v.get("name") or ""
    for kind, value in v.items():
        if kind == "name" or not isinstance(value, Mapping):
            continue
        source = (value.get("claimName") or value.get("name") or value.get("secretName") or value.get("path")
                  or value.get("medium") or "")
        return Volume(name, kind, source)
    return Volume(name, "unknown")


def pod_status(obj: Mapping) -> str:
    """The STATUS kubectl prints for a pod: Running, Pending, ContainerCreating, CrashLoopBackOff, Completed ..."""
    meta, status = _meta(obj), obj.get("status") or {}
    if meta.get("deletionTimestamp"):
        return "Terminating"
    reason = status.get("reason") or status.get("phase") or "Unknown"
    inits = status.get("initContainerStatuses") or []
    for i, cs in enumerate(inits):
        state = cs.get("state") or {}
        if "terminated" in state and state["terminated"].get("exitCode", 0) == 0:
            continue
        if "terminated" in state:
            return "Init:" + (state["terminated"].get("reason") or "Error")
        if "waiting" in state and state["waiting"].get("reason") not in (None, "PodInitializing"):
            return "Init:" + state["waiting"]["reason"]
        return f"Init:{i}/{len(inits)}"
    running_ready = False
    for cs in reversed(status.get("containerStatuses") or []):
        state = cs.get("state") or {}
        if "waiting" in state and state["waiting"].get("reason"):
            reason = state["waiting"]["reason"]
        elif "terminated" in state:
            reason = state["terminated"].get("reason") or f"ExitCode:{state['terminated'].get('exitCode')}"
        elif "running" in state and cs.get("ready"):
            running_ready = True
    if reason == "Completed" and running_ready:
        reason = "Running"
    if reason == "Pending" and any(c.get("reason") == "Unschedulable" for c in conditions(obj).values()):
        reason = "Unschedulable"
    return reason


def pod_from(obj: Any) -> Pod:
    obj = as_dict(obj)
    meta, spec, status = _meta(obj), obj.get("spec") or {}, obj.get("status") or {}
    statuses = status.get("containerStatuses") or []
    return Pod(
        name=meta.get("name") or "", namespace=meta.get("namespace") or "", uid=meta.get("uid") or "",
        node=spec.get("nodeName") or "", phase=status.get("phase") or "Unknown", status=pod_status(obj),
        ready=is_ready(obj), ready_count=sum(1 for c in statuses if c.get("ready")),
        container_count=len(spec.get("containers") or []),
        restarts=sum(int(c.get("restartCount") or 0) for c in statuses), ip=status.get("podIP") or "",
        labels=_labels(obj), images=_images(spec), owner=_controller(obj),
        volumes=tuple(_volume(v) for v in spec.get("volumes") or [] if not _is_token_volume(v)),
        created=meta.get("creationTimestamp") or "",
    )


def _is_token_volume(v: Mapping) -> bool:
    # The projected service-account token every pod gets: noise in a storage diagram.
    return str(v.get("name") or "").startswith("kube-api-access-")


def workload_from(obj: Any, kind: str | None = None) -> Workload:
    obj = as_dict(obj)
    kind = kind or obj.get("kind") or ""
    meta, spec, status = _meta(obj), obj.get("spec") or {}, obj.get("status") or {}
    annotations = meta.get("annotations") or {}
    template = (spec.get("jobTemplate") or {}).get("spec", {}).get("template") if kind == "CronJob" \
        else spec.get("template")
    desired = ready = None
    revision = annotations.get(REVISION_ANNOTATION, "")
    summary = ""
    if kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        desired, ready = spec.get("replicas", 1), status.get("readyReplicas", 0)
        if kind == "StatefulSet":
            revision = (status.get("updateRevision") or "").rsplit("-", 1)[-1]
    elif kind == "DaemonSet":
        desired, ready = status.get("desiredNumberScheduled", 0), status.get("numberReady", 0)
        revision = str(meta.get("generation") or "")
    elif kind == "Job":
        desired, ready = spec.get("completions", 1), status.get("succeeded", 0)
        summary = f"{ready}/{desired} succeeded" + (f", {status['failed']} failed" if status.get("failed") else "")
    elif kind == "CronJob":
        summary = f"schedule {spec.get('schedule', '?')}" + (" (suspended)" if spec.get("suspend") else "")
    return Workload(
        kind=kind, name=meta.get("name") or "", namespace=meta.get("namespace") or "", uid=meta.get("uid") or "",
        owner=_controller(obj), desired=desired, ready=ready, revision=revision,
        images=_images((template or {}).get("spec") or {}), labels=_labels(obj),
        selector=dict((spec.get("selector") or {}).get("matchLabels") or {}), summary=summary,
        created=meta.get("creationTimestamp") or "",
    )


def service_from(obj: Any) -> Service:
    obj = as_dict(obj)
    meta, spec = _meta(obj), obj.get("spec") or {}
    ports = tuple(
        ServicePort(port=p.get("port", 0), target_port=str(p.get("targetPort", p.get("port") or "")),
                    protocol=p.get("protocol", "TCP"), name=p.get("name") or "", node_port=p.get("nodePort"))
        for p in spec.get("ports") or []
    )
    return Service(
        name=meta.get("name") or "", namespace=meta.get("namespace") or "", type=spec.get("type", "ClusterIP"),
        cluster_ip=spec.get("clusterIP") or "", ports=ports, selector=dict(spec.get("selector") or {}),
        external_name=spec.get("externalName") or "", labels=_labels(obj),
    )


def endpoint_slice_from(obj: Any) -> EndpointSlice:
    obj = as_dict(obj)
    meta = _meta(obj)
    endpoints = []
    for ep in obj.get("endpoints") or []:
        cond = ep.get("conditions") or {}
        target = ep.get("targetRef") or {}
        ready = cond.get("ready") is not False  # the API says: nil means ready
        endpoints.append(Endpoint(
            addresses=tuple(ep.get("addresses") or ()), ready=ready,
            serving=cond.get("serving", ready) is not False, terminating=bool(cond.get("terminating")),
            node=ep.get("nodeName") or "", pod=(target.get("name") or "") if target.get("kind") == "Pod" else "",
        ))
    return EndpointSlice(
        name=meta.get("name") or "", namespace=meta.get("namespace") or "",
        service=_labels(obj).get("kubernetes.io/service-name") or "", address_type=obj.get("addressType", "IPv4"),
        ports=tuple(EndpointPort(p.get("port"), p.get("protocol", "TCP"), p.get("name") or "")
                    for p in obj.get("ports") or []),
        endpoints=tuple(endpoints),
    )


def ingress_from(obj: Any) -> Ingress:
    obj = as_dict(obj)
    meta, spec, status = _meta(obj), obj.get("spec") or {}, obj.get("status") or {}

    def backend(b: Mapping) -> tuple[str, str]:
        svc = (b or {}).get("service") or {}
        port = svc.get("port") or {}
        return svc.get("name") or "", str(port.get("number") or port.get("name") or "")

    paths = []
    if spec.get("defaultBackend"):
        paths.append(IngressPath("*", "(default)", *backend(spec["defaultBackend"])))
    for rule in spec.get("rules") or []:
        for p in (rule.get("http") or {}).get("paths") or []:
            paths.append(IngressPath(rule.get("host") or "*", p.get("path") or "/", *backend(p.get("backend"))))
    lb = (status.get("loadBalancer") or {}).get("ingress") or []
    return Ingress(
        name=meta.get("name") or "", namespace=meta.get("namespace") or "",
        class_name=spec.get("ingressClassName") or "",
        paths=tuple(paths), addresses=tuple(i.get("ip") or i.get("hostname") or "" for i in lb), labels=_labels(obj),
    )


def claim_from(obj: Any) -> Claim:
    obj = as_dict(obj)
    meta, spec, status = _meta(obj), obj.get("spec") or {}, obj.get("status") or {}
    return Claim(
        name=meta.get("name") or "", namespace=meta.get("namespace") or "", phase=status.get("phase", "Pending"),
        volume=spec.get("volumeName") or "", storage_class=spec.get("storageClassName") or "",
        request=str(((spec.get("resources") or {}).get("requests") or {}).get("storage") or ""),
        capacity=str((status.get("capacity") or {}).get("storage") or ""),
        access_modes=tuple(spec.get("accessModes") or ()), labels=_labels(obj),
    )


def volume_from(obj: Any) -> PersistentVolume:
    obj = as_dict(obj)
    meta, spec, status = _meta(obj), obj.get("spec") or {}, obj.get("status") or {}
    ref = spec.get("claimRef")
    source = ""
    for kind in ("hostPath", "local", "nfs", "csi"):
        if spec.get(kind):
            detail = spec[kind].get("path") or spec[kind].get("driver") or spec[kind].get("server") or ""
            source = f"{kind} {detail}".strip()
            break
    node = ""
    for term in ((spec.get("nodeAffinity") or {}).get("required") or {}).get("nodeSelectorTerms") or []:
        for expr in term.get("matchExpressions") or []:
            if expr.get("key") == "kubernetes.io/hostname" and expr.get("values"):
                node = expr["values"][0]
    return PersistentVolume(
        name=meta.get("name") or "", phase=status.get("phase", "Available"),
        capacity=str((spec.get("capacity") or {}).get("storage") or ""),
        storage_class=spec.get("storageClassName") or "",
        claim=(ref.get("namespace") or "", ref.get("name") or "") if ref else None,
        reclaim_policy=spec.get("persistentVolumeReclaimPolicy") or "", source=source, node=node,
        access_modes=tuple(spec.get("accessModes") or ()),
    )


def storage_class_from(obj: Any) -> StorageClass:
    obj = as_dict(obj)
    meta = _meta(obj)
    return StorageClass(
        name=meta.get("name") or "", provisioner=obj.get("provisioner") or "",
        binding_mode=obj.get("volumeBindingMode", "Immediate") or "Immediate",
        reclaim_policy=obj.get("reclaimPolicy", "Delete") or "Delete",
        default=(meta.get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION) == "true",
    )


WORKLOAD_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob")
PARSERS = {
    "Node": node_from, "Pod": pod_from, "Service": service_from, "EndpointSlice": endpoint_slice_from,
    "Ingress": ingress_from, "PersistentVolumeClaim": claim_from, "PersistentVolume": volume_from,
    "StorageClass": storage_class_from,
    **{k: (lambda obj, _k=k: workload_from(obj, _k)) for k in WORKLOAD_KINDS},
}
BUCKETS = {
    "Node": "nodes", "Pod": "pods", "Service": "services", "EndpointSlice": "endpoint_slices",
    "Ingress": "ingresses", "PersistentVolumeClaim": "claims", "PersistentVolume": "volumes",
    "StorageClass": "storage_classes", **{k: "workloads" for k in WORKLOAD_KINDS},
}
