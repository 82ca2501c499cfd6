"""A client certificate for a tenant, issued by the cluster's own CA through the CertificateSigningRequest API.

Lab 01 teaches authentication by reading the client certificate out of the kubeconfig; a token-only kubeconfig
has none, so such labs (and workshop students who do them) get a certificate for user ``kindlab-tenant:<name>``
instead, bound by the same RBAC as the tenant's ServiceAccount. A certificate cannot be revoked: it expires
after its lifetime (at least 600 s, the API's minimum), and teardown deletes the bindings that gave it rights.
The key and CSR come from the ``openssl`` command, so no crypto library is needed.
"""

from __future__ import annotations

import base64
import re
import subprocess

from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from labsupport.errors import LabError, WaitTimeout
from labsupport.kube import Clients
from labsupport.waits import wait_for

SIGNER = "kubernetes.io/kube-apiserver-client"
USER_PREFIX = "kindlab-tenant:"
_PEM = re.compile(r"-----BEGIN ([A-Z ]+)-----.*?-----END \1-----\n?", re.S)


def user_name(tenant: str) -> str:
    return USER_PREFIX + tenant


def _key_and_request(common_name: str) -> tuple[str, str]:
    try:
        done = subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                               "-nodes", "-subj", f"/CN={common_name}", "-keyout", "/dev/stdout", "-out", "/dev/stdout"],
                              capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise LabError(f"Cannot make a key and certificate request with openssl: {exc}",
                       hint="Install openssl (Debian: apt-get install openssl).") from exc
    blocks = {m.group(1): m.group(0) for m in _PEM.finditer(done.stdout)}
    return blocks["PRIVATE KEY"], blocks["CERTIFICATE REQUEST"]


def issue(clients: Clients, tenant: str, *, seconds: int, labels: dict[str, str]) -> tuple[str, str]:
    """A certificate for user ``kindlab-tenant:<tenant>`` valid ``seconds``; (cert, key) as base64 PEM, the way
    a kubeconfig holds them. The CSR object is labelled with ``labels`` so teardown finds it."""
    key, request = _key_and_request(user_name(tenant))
    name = f"kindlab-tenant-{tenant}"
    api = k8s.CertificatesV1Api(clients.api)
    try:
        api.create_certificate_signing_request({
            "metadata": {"name": name, "labels": labels},
            "spec": {"request": base64.b64encode(request.encode()).decode(), "signerName": SIGNER,
                     "expirationSeconds": seconds, "usages": ["client auth"]}})
        csr = api.read_certificate_signing_request(name)
        csr.status.conditions = [k8s.V1CertificateSigningRequestCondition(
            type="Approved", status="True", reason="KindlabTenant", message="tenant credentials for grading")]
        api.replace_certificate_signing_request_approval(name, csr)
        signed = wait_for(clients, "CertificateSigningRequest", name, api_version="certificates.k8s.io/v1",
                          condition=lambda o: bool((o.get("status") or {}).get("certificate")), timeout=30)
    except (ApiException, WaitTimeout) as exc:
        raise LabError(f"The cluster did not sign a certificate for tenant {tenant}: {exc}",
                       hint="The controller manager signs kube-apiserver-client requests when it has the "
                            "cluster CA (kubeadm and kind set that up); check `kubectl get csr`.") from exc
    return signed["status"]["certificate"], base64.b64encode(key.encode()).decode()


def delete(clients: Clients, selector: str) -> list[str]:
    """Delete the tenant's CSR objects (found by label selector); their names."""
    api = k8s.CertificatesV1Api(clients.api)
    names = [c.metadata.name for c in api.list_certificate_signing_request(label_selector=selector).items]
    for name in names:
        try:
            api.delete_certificate_signing_request(name)
        except ApiException as exc:
            if exc.status != 404:
                raise
    return names
