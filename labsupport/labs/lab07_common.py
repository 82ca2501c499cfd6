"""Lab 07: the names its tasks ask for, and small helpers its check modules share."""

from __future__ import annotations

import base64

from labsupport import find

POD, CONFIGMAP, KEY = "config-demo", "app-config", "greeting"
SECRET, SECRET_KEY = "db-credentials", "password"
SETTINGS = "app-settings"
ACCOUNT = "deployer"
SERVICE = "shop-frontend"
ANNOTATED = "shop-web"
BUILD, CONTACT = "shop.example.com/build", "shop.example.com/contact"
CHANGE_CAUSE = "kubernetes.io/change-cause"
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
REVISION = "deployment.kubernetes.io/revision"


def extra_ns(ctx, suffix: str) -> str:
    """The lab's namespace ``<namespace>-<suffix>`` (dev, prod)."""
    return f"{ctx.namespace}-{suffix}"


def get(ctx, kind: str, name: str, namespace: str | None = None) -> dict | None:
    return find.get(ctx.clients, kind, name, namespace or ctx.namespace)


def short(text: str | None, cap: int = 80) -> str:
    """Text from the cluster or a submission, quoted and capped for a message."""
    text = "<unset>" if text is None else text
    return repr(text if len(text) <= cap else text[:cap] + "…")


def secret_value(secret: dict, key: str) -> str | None:
    raw = (secret.get("data") or {}).get(key)
    return None if raw is None else base64.b64decode(raw).decode(errors="replace")
