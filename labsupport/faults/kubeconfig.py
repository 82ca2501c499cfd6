"""Fault `kubeconfig-foreign-cert`: a kubeconfig whose client certificate was not signed by the cluster's CA.

The fault writes a kubeconfig file (default ``$KINDLAB_CACHE/faults/kind-<cluster>.kubeconfig``, never the
learner's own kubeconfig) for the lab cluster whose user is a self-signed certificate claiming to be
``kubernetes-admin`` in group ``system:masters``. The TLS handshake succeeds, but the API server checks client
certificates against its own CA only, finds no valid identity and answers 401 Unauthorized to every request:
what a certificate says counts only when the cluster's CA signed it. Find it: `kubectl --kubeconfig FILE get
nodes` says "You must be logged in to the server (Unauthorized)"; `openssl x509 -noout -issuer -subject` on the
decoded client-certificate-data shows the wrong issuer. Repair: the correct kubeconfig, from `kind get
kubeconfig --name <cluster>` (kind reads the admin credentials kubeadm wrote on the control-plane node).
The record holds the file's path and checksums, never a key.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import tempfile
import time
from pathlib import Path

import urllib3
import yaml
from kubernetes.client.exceptions import ApiException

from labsupport.addons import cache_dir
from labsupport.cluster import _kind
from labsupport.faults import record
from labsupport.faults.base import Fault, FaultError, Repair, Target, timed
from labsupport.kube import connect_config, load_kubeconfig, write_kubeconfig


def default_path(target: Target) -> Path:
    return cache_dir() / "faults" / f"{target.context}.kubeconfig"


def foreign_certificate() -> tuple[bytes, bytes]:
    """A self-signed certificate and its key, claiming the admin's identity (openssl, no crypto library)."""
    with tempfile.TemporaryDirectory() as tmp:
        key, cert = Path(tmp) / "key.pem", Path(tmp) / "cert.pem"
        try:
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                            "-nodes", "-days", "1", "-subj", "/O=system:masters/CN=kubernetes-admin",
                            "-keyout", str(key), "-out", str(cert)], capture_output=True, timeout=30, check=True)
        except (OSError, subprocess.SubprocessError) as exc:
            raise FaultError(f"Cannot make a certificate with openssl: {exc}",
                             hint="Install openssl (Debian: apt-get install openssl).") from exc
        return cert.read_bytes(), key.read_bytes()


def correct_config(target: Target) -> dict:
    """The cluster's admin kubeconfig as kind hands it out, reduced to the lab context."""
    done = subprocess.run([_kind(), "get", "kubeconfig", "--name", target.cluster], capture_output=True, text=True,
                          timeout=30)
    if done.returncode != 0:
        raise FaultError(f"`kind get kubeconfig --name {target.cluster}` failed: {done.stderr.strip()[:300]}",
                         hint="Is the control-plane node running (`docker ps`)?")
    with tempfile.NamedTemporaryFile("w", suffix=".kubeconfig") as fh:
        fh.write(done.stdout)
        fh.flush()
        return load_kubeconfig(fh.name, target.context)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


def _refuse_foreign_file(path: Path, context: str) -> None:
    """Repair writes a file holding the lab context only: never replace one that holds anything else."""
    if not path.exists():
        return
    try:
        doc = yaml.safe_load(path.read_text()) or {}
        names = {c.get("name") for c in doc.get("contexts") or []}
    except (OSError, yaml.YAMLError, AttributeError):
        names = {"<unreadable>"}
    if names - {context}:
        raise FaultError(f"{path} holds other contexts ({', '.join(sorted(map(str, names - {context})))}): the "
                         "fault would replace them, and its repair could not bring them back.",
                         hint="Pass --path with a new file (the default is under the cache directory).")


def api_answer(path: Path, context: str) -> str:
    """What the API server says to a request made with the kubeconfig at ``path``: "ok" or the refusal."""
    try:
        clients = connect_config(load_kubeconfig(path, context), probe=False)
        clients.core.list_namespace(limit=1, _request_timeout=10)
        return "ok"
    except ApiException as exc:
        return f"{exc.status} {exc.reason}"
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return f"{type(exc).__name__}: {str(exc)[:160]}"
    except Exception as exc:  # an unreadable file is a finding too, not a crash of the check
        return f"unusable kubeconfig: {str(exc)[:160]}"


class KubeconfigForeignCert(Fault):
    def __init__(self, path: str | None = None) -> None:
        super().__init__("kubeconfig-foreign-cert", "a kubeconfig with a certificate the cluster's CA did not "
                         "sign: the API answers 401", __doc__, {"path": path})

    def _path(self, target: Target) -> Path:
        rec = record.load(target.clients, self.name)
        return Path((rec or {}).get("path") or self.options.get("path") or default_path(target))

    def inject(self, target: Target) -> dict:
        path = self._path(target)
        config = correct_config(target)
        cert, key = foreign_certificate()
        config["users"][0]["user"] = {"client-certificate-data": base64.b64encode(cert).decode(),
                                      "client-key-data": base64.b64encode(key).decode()}
        _refuse_foreign_file(path, target.context)
        path.parent.mkdir(parents=True, exist_ok=True)
        before = _sha(path)
        rec = record.save(target.clients, self.name, {"path": str(path), "sha256-before": before})
        write_kubeconfig(config, path)
        return rec

    def check(self, target: Target):
        path = self._path(target)
        if not path.exists():
            return self.status(False, f"{path} does not exist")
        answer = api_answer(path, target.context)
        return self.status(answer != "ok", f"the API server answers {answer} to {path}")

    def repair(self, target: Target) -> Repair:
        start = time.monotonic()
        rec = record.load(target.clients, self.name)
        path = self._path(target)
        actions = []
        if rec is not None or (path.exists() and self.check(target).present):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_kubeconfig(correct_config(target), path)
            os.chmod(path, 0o600)
            actions.append(f"wrote the correct kubeconfig for {target.context} to {path}")
        if rec is not None:
            record.delete(target.clients, self.name)
            actions.append("deleted the fault record")
        return timed(self.name, start, actions, self.check(target))
