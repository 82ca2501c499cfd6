"""Raw HTTPS calls to the API server, outside the client library: what a request WITHOUT credentials gets.

The lab shows that the API server authenticates every request; the grader proves it by making the same call
with no client certificate and reading the HTTP status.
"""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request

from labsupport.errors import ClusterUnavailable
from labsupport.kube import CLUSTER_HINT, Clients

TIMEOUT = 10


def _tls(clients: Clients) -> ssl.SSLContext:
    """Trust the cluster's CA (from the kubeconfig) and present no client certificate."""
    ca = clients.api.configuration.ssl_ca_cert
    if ca:
        return ssl.create_default_context(cafile=ca)
    tls = ssl._create_unverified_context()  # a kubeconfig without a CA (insecure-skip-tls-verify)
    tls.check_hostname = False
    return tls


def anonymous_status(clients: Clients, path: str) -> int:
    """The HTTP status the API server answers to GET ``path`` made with no credentials (e.g. 401 or 403).

    >>> anonymous_status(clients, "/api/v1/namespaces/lab-01")  # doctest: +SKIP
    403
    """
    url = clients.api.configuration.host + path
    try:
        with urllib.request.urlopen(url, context=_tls(clients), timeout=TIMEOUT) as reply:
            return reply.status
    except urllib.error.HTTPError as err:
        return err.code
    except (urllib.error.URLError, OSError) as err:
        raise ClusterUnavailable(f"Cannot reach the API server at {url}: {err}", hint=CLUSTER_HINT) from err
