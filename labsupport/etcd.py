"""Read etcd's keys from inside a kind control-plane node: what the grader uses to see how the API stores objects.

The etcd image carries etcdctl (the lab's notebook runs it with `kubectl exec`), but no shell. The grader does not
depend on that image: it asks etcd's JSON gateway with curl, run inside the control-plane node, which has both
curl and etcd's client certificates.
"""

from __future__ import annotations

import base64
import json

from labsupport.errors import ExecError
from labsupport.podexec import run_in_node

ETCD_PKI = "/etc/kubernetes/pki/etcd"
ETCD_URL = "https://127.0.0.1:2379"


def _b64(data: str) -> str:
    return base64.b64encode(data.encode()).decode()


def _range(node: str, query: dict) -> list[dict]:
    """POST ``query`` to etcd's /v3/kv/range in node ``node``; the reply's kvs (keys and values base64)."""
    result = run_in_node(node, [
        "curl", "-sS", "--cacert", f"{ETCD_PKI}/ca.crt", "--cert", f"{ETCD_PKI}/server.crt",
        "--key", f"{ETCD_PKI}/server.key", "-X", "POST", "-d", json.dumps(query), f"{ETCD_URL}/v3/kv/range"])
    if result.returncode != 0:
        raise ExecError(f"Reading etcd in node {node} failed: {result.stderr.strip()}",
                        hint=f"Is etcd running? `docker exec {node} crictl ps --name etcd` shows its container.")
    return json.loads(result.stdout).get("kvs", [])


def keys(node: str, prefix: str) -> list[str]:
    """Keys under ``prefix`` in the etcd of control-plane node ``node``, sorted.

    >>> keys("kindlab-control-plane", "/registry/configmaps/lab-01/")  # doctest: +SKIP
    ['/registry/configmaps/lab-01/kube-root-ca.crt', '/registry/configmaps/lab-01/notes']
    """
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # etcd ranges are [key, range_end): every key with the prefix
    kvs = _range(node, {"key": _b64(prefix), "range_end": _b64(end), "keys_only": True})
    return sorted(base64.b64decode(kv["key"]).decode() for kv in kvs)


def value(node: str, key: str) -> bytes | None:
    """The raw bytes etcd stores under ``key`` (None when absent): what the API server wrote, before decoding.

    >>> value("kindlab-control-plane", "/registry/secrets/lab-07/db-credentials")[:4]  # doctest: +SKIP
    b'k8s\\x00'
    """
    kvs = _range(node, {"key": _b64(key)})
    return base64.b64decode(kvs[0]["value"]) if kvs else None
