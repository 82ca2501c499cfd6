"""Follow live objects: LIST, then WATCH from that list's resourceVersion, relist on 410 Gone, stop at a deadline.

The one watch loop of labsupport: waits (``waits.py``) follow until a condition holds, the live widgets
(``widgets/pods.py``) follow until their deadline or their Stop button. Listing first means a condition that
already holds is seen at once; watching from the list's version means no change between the two is missed.

    >>> f = Follow(clients, "Pod", "lab-02", selector="app=web")                         # doctest: +SKIP
    >>> f.run(60, until=lambda pods: len(pods) >= 3)                                     # doctest: +SKIP
    True
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from kubernetes import watch
from kubernetes.client.exceptions import ApiException

from labsupport.kube import Clients, list_items, resource_for

WATCH_CHUNK = 60  # seconds per watch request; the loop watches again from the last resourceVersion
LISTED = "LISTED"  # the change reported after each (re)list: every object may have changed

Objects = dict[str, dict]


class Follow:
    """The objects of one kind matching ``name`` / label ``selector`` in ``namespace``, kept current by watch.

    ``objects`` maps name -> object (a dict in the API's JSON shape). Safe to ``stop()`` from another thread.
    """

    def __init__(self, clients: Clients, kind: str, namespace: str | None = None, *, name: str | None = None,
                 selector: str | None = None, api_version: str | None = None, resource=None):
        self.clients = clients
        self.resource = resource or resource_for(clients, kind, api_version)
        self.namespace = namespace if self.resource.namespaced else None
        self.fields = f"metadata.name={name}" if name else None
        self.selector = selector
        self.objects: Objects = {}
        self._stopped = threading.Event()
        self._watcher: watch.Watch | None = None

    def stop(self) -> None:
        """End ``run`` now (from any thread): closes the open watch connection, so a blocked read returns."""
        self._stopped.set()
        watcher = self._watcher
        if watcher is not None:
            watcher.stop()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def run(self, timeout: float, *, until: Callable[[Objects], bool] = lambda objs: False,
            on_change: Callable[[str, dict | None], None] = lambda kind, obj: None, retries: int = 0) -> bool:
        """Follow until ``until(objects)`` holds (True), or ``stop()`` / the deadline (False).

        ``on_change(type, obj)`` is told of each change: LISTED (obj None) after a list, else the watch event's
        type (ADDED, MODIFIED, DELETED) and object. ``retries``: how many dropped connections in a row to ride
        out (with back-off) before raising; API errors other than 410 Gone are raised at once.
        """
        deadline = time.monotonic() + timeout
        version = self._list(on_change)
        if until(self.objects):
            return True
        failures = 0
        while not self.stopped and (remaining := deadline - time.monotonic()) > 0:
            self._watcher = watch.Watch()
            events = self.clients.dynamic.watch(
                self.resource, namespace=self.namespace, field_selector=self.fields, label_selector=self.selector,
                resource_version=version, allow_watch_bookmarks=True,
                timeout=max(1, int(min(remaining, WATCH_CHUNK))), watcher=self._watcher)
            try:
                for event in events:
                    raw = event["raw_object"]
                    version = (raw.get("metadata") or {}).get("resourceVersion", version)
                    failures = 0
                    if event["type"] in ("ADDED", "MODIFIED", "DELETED"):  # not BOOKMARK: it only moves version
                        self._apply(event["type"], raw)
                        on_change(event["type"], raw)
                        if until(self.objects):
                            return True
                    if self.stopped or time.monotonic() >= deadline:
                        break
            except ApiException as exc:  # DynamicApiError is one too
                if getattr(exc, "status", None) != 410:  # 410 Gone: our resourceVersion expired, list again
                    raise
                version = self._list(on_change)
                if until(self.objects):
                    return True
            except Exception:  # the connection dropped (or stop() closed it)
                if self.stopped:
                    break
                failures += 1
                if failures > retries:
                    raise
                self._stopped.wait(min(2 ** failures, 10))
            finally:
                self._watcher = None
                events.close()  # ends the request and hands its connection back
        return False

    def _list(self, on_change) -> str:
        items, version = list_items(self.clients, self.resource, namespace=self.namespace,
                                    field_selector=self.fields, label_selector=self.selector)
        self.objects = {item["metadata"]["name"]: item for item in items}
        on_change(LISTED, None)
        return version

    def _apply(self, kind: str, obj: dict) -> None:
        name = obj["metadata"]["name"]
        if kind == "DELETED":
            self.objects.pop(name, None)
        else:
            self.objects[name] = obj
