"""One LIST of each kind per class-view refresh, shared by every student's checks.

A class view runs a lab's checks for 30 students; each check reads a few objects by name (``find.get``) or label
(``find.by_label``), so a refresh used to be hundreds of GETs. Here the first read of a kind lists that kind
once, cluster-wide, and every student's reads of their own namespaces (and of cluster-scoped kinds) are answered
from that list, as the API server would have answered them at that moment:

    snap = Snapshot(clients, ["ws-w1-ann-02", "ws-w1-bob-02"])
    view = snap.clients()                        # a Clients for one student's checks
    find.get(view, "Pod", "web", "ws-w1-ann-02")   # no request: from the one LIST of pods
    snap.reads()                                 # Reads(lists={"v1/Pod": 1}, live=0)

What is not read from the snapshot (it goes to the API server, as before): reads of other namespaces, selectors
``labsupport.selectors`` cannot evaluate, and, once a check has written anything through ``view`` (its typed or
dynamic client: a grader's client pod, a patch), every later read of that check run, so a check reads back
what it changed. Waits stay correct on a snapshot: they list (from it) and watch from the snapshot's
resourceVersion, so no change since is missed; a watch told that version is too old (410) drops the kind from
the snapshot and the wait lists again, live. Exec, logs and proxy requests always go to the API server.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import NotFoundError
from kubernetes.dynamic.resource import ResourceField, ResourceInstance

from labsupport.kube import Clients
from labsupport.selectors import field_matcher, label_matcher

_READS = ("GET", "HEAD", "OPTIONS")
_QUERY = {"label_selector", "field_selector"}  # the only query parameters a snapshot answers


@dataclass(frozen=True)
class Reads:
    """What a refresh asked the API server: one LIST per kind (``lists``), and reads it could not answer."""

    lists: dict[str, int]
    live: int


class _Listing:
    """One kind's objects at one resourceVersion, kept as JSON so every answer is the caller's own copy."""

    def __init__(self, resource, data: dict, namespaces: frozenset[str]) -> None:
        self.version = (data.get("metadata") or {}).get("resourceVersion", "")
        # namespace ("" for cluster-scoped kinds) -> name -> (object, its JSON), in the order the API listed them
        self.objects: dict[str, dict[str, tuple[dict, str]]] = {}
        for item in data.get("items") or []:
            meta = item.get("metadata") or {}
            ns = meta.get("namespace", "")
            if resource.namespaced and ns not in namespaces:
                continue
            item.setdefault("apiVersion", resource.group_version)  # as a GET (and list_items) give them
            item.setdefault("kind", resource.kind)
            self.objects.setdefault(ns, {})[meta.get("name", "")] = (item, json.dumps(item))

    def get(self, namespace: str, name: str) -> dict | None:
        found = self.objects.get(namespace, {}).get(name)
        return None if found is None else json.loads(found[1])

    def select(self, namespace: str, labels, fields) -> list[dict]:
        return [json.loads(text) for obj, text in self.objects.get(namespace, {}).values()
                if labels((obj.get("metadata") or {}).get("labels") or {}) and fields(obj)]


class Snapshot:
    """The objects of ``namespaces`` (and cluster-scoped ones), each kind listed on its first use, once."""

    def __init__(self, clients: Clients, namespaces) -> None:
        self.live = clients
        self.namespaces = frozenset(namespaces)
        self._listings: dict[str, _Listing | None] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._lists: Counter = Counter()
        self._live = 0

    @staticmethod
    def _key(resource) -> str:
        return f"{resource.group_version}/{resource.kind}"

    def listing(self, resource) -> _Listing | None:
        """The kind's one LIST (made now if this is its first use); None when it cannot serve this kind."""
        key = self._key(resource)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # the other students' threads wait for this one LIST instead of each making their own
            if key not in self._listings:
                self._listings[key] = self._list(resource)
            return self._listings[key]

    def _list(self, resource) -> _Listing | None:
        if "list" not in (resource.verbs or []):
            return None
        try:
            reply = self.live.dynamic.get(resource, serialize=False)  # raw JSON: no per-field wrapping
        except ApiException:
            return None  # the same read made live reports the error where it happens
        with self._guard:
            self._lists[self._key(resource)] += 1
        return _Listing(resource, json.loads(reply.data), self.namespaces)

    def expire(self, resource) -> None:
        """Answer this kind live from now on (its resourceVersion is too old to watch from)."""
        with self._guard:
            self._listings[self._key(resource)] = None

    def counted_live(self) -> None:
        with self._guard:
            self._live += 1

    def reads(self) -> Reads:
        with self._guard:
            return Reads(dict(self._lists), self._live)

    def clients(self) -> SnapshotClients:
        """A Clients for one student's check run: reads from this snapshot until it writes."""
        wrote = threading.Event()
        return SnapshotClients(_WriteGuard(self.live.api, wrote), snapshot=self, wrote=wrote)


class _WriteGuard:
    """The live ApiClient, noting any request other than a read (a typed client's create, patch, delete)."""

    def __init__(self, api, wrote: threading.Event) -> None:
        self._api = api
        self._wrote = wrote

    def call_api(self, method, *args, **kwargs):
        if str(method).upper() not in _READS:
            self._wrote.set()
        return self._api.call_api(method, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._api, name)


@dataclass(frozen=True)
class SnapshotClients(Clients):
    """Clients whose reads come from ``snapshot`` until anything is written through them (``wrote``)."""

    snapshot: Snapshot = field(default=None, compare=False)
    wrote: threading.Event = field(default_factory=threading.Event, compare=False)

    @cached_property
    def dynamic(self) -> _SnapshotDynamic:
        return _SnapshotDynamic(self.snapshot, self.wrote)


class _Answer:
    """What the dynamic client's ``get`` returns, for the uses labsupport makes of it (``to_dict()``, a list's
    ``metadata.resourceVersion``); anything else goes through a ResourceInstance, as the client would build."""

    def __init__(self, data: dict) -> None:
        self._data = data

    def to_dict(self) -> dict:
        return self._data

    @property
    def metadata(self):
        return ResourceField(self._data.get("metadata") or {})

    def __getattr__(self, name):
        return getattr(ResourceInstance(None, self._data), name)


class _SnapshotDynamic:
    """The live DynamicClient, with ``get`` answered from the snapshot where it can be."""

    def __init__(self, snapshot: Snapshot, wrote: threading.Event) -> None:
        self._snapshot = snapshot
        self._live = snapshot.live.dynamic
        self._wrote = wrote

    def get(self, resource, name=None, namespace=None, **query):
        answer = self._answer(resource, name, namespace, query)
        if answer is None:
            self._snapshot.counted_live()
            return self._live.get(resource, name=name, namespace=namespace, **query)
        return answer

    def _answer(self, resource, name, namespace, query) -> _Answer | None:
        if self._wrote.is_set() or any(v is not None for k, v in query.items() if k not in _QUERY):
            return None
        if resource.namespaced != (namespace is not None) or (namespace and namespace not in self._snapshot.namespaces):
            return None  # all namespaces, another namespace, or a namespace given for a cluster-scoped kind
        if name is not None and any(query.values()):
            return None
        labels, fields = label_matcher(query.get("label_selector")), field_matcher(query.get("field_selector"))
        listing = self._snapshot.listing(resource) if labels and fields else None
        if listing is None:
            return None
        if name is not None:
            obj = listing.get(namespace or "", name)
            if obj is None:
                raise NotFoundError(ApiException(status=404, reason="Not Found"))
            return _Answer(obj)
        return _Answer({"apiVersion": resource.group_version, "kind": f"{resource.kind}List",
                        "metadata": {"resourceVersion": listing.version},
                        "items": listing.select(namespace or "", labels, fields)})

    def watch(self, resource, *args, **kwargs):
        try:
            yield from self._live.watch(resource, *args, **kwargs)
        except ApiException as exc:
            if getattr(exc, "status", None) == 410:  # the snapshot's version is too old: list live from now on
                self._snapshot.expire(resource)
            raise

    def _write(self, verb: str):
        def write(*args, **kwargs):
            self._wrote.set()
            return getattr(self._live, verb)(*args, **kwargs)
        return write

    def __getattr__(self, name):
        if name in ("create", "patch", "replace", "delete", "server_side_apply", "apply", "request"):
            return self._write(name)
        return getattr(self._live, name)
