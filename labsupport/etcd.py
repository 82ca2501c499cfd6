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


def keys(node: str, prefix: str) -> list[str]:
    """Keys under ``prefix`` in the etcd of control-plane node ``node``, sorted.

    >>> keys("kindlab-control-plane", "/registry/configmaps/lab-01/")  # doctest: +SKIP
    ['/registry/configmaps/lab-01/kube-root-ca.crt', '/registry/configmaps/lab-01/notes']
    """
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # etcd ranges are [key, range_end): every key with the prefix
    body = json.dumps({"key": base64.b64encode(prefix.encode()).decode(),
                       "range_end": base64.b64encode(end.encode()).decode(), "keys_only": True})
    result = run_in_node(node, [
        "curl", "-sS", "--cacert", f"{ETCD_PKI}/ca.crt", "--cert", f"{ETCD_PKI}/server.crt",
        "--key", f"{ETCD_PKI}/server.key", "-X", "POST", "-d", body, f"{ETCD_URL}/v3/kv/range"])
    if result.returncode != 0:
        raise ExecError(f"Reading etcd's keys in node {node} failed: {result.stderr.strip()}",
                        hint=f"Is etcd running? `docker exec {node} crictl ps --name etcd` shows its container.")
    reply = json.loads(result.stdout)
    return sorted(base64.b64decode(kv["key"]).decode() for kv in reply.get("kvs", []))
