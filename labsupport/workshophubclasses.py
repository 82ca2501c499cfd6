"""The classes the workshop's JupyterHub loads (imported by JupyterHub only): card logins, confined servers.

``CardAuthenticator``: the user and password printed on a workshop card. The cards file (written by
labsupport.workshophub, root only) maps each login name to a salted scrypt hash and the student's Unix user; a
login succeeds as that Unix user.

``WorkshopSpawner``: LocalProcessSpawner whose child, still root, first enters a private mount namespace the
way graded submissions do (``labsupport.sandboxlaunch.confine_mounts``): root's home (the instructor's
kubeconfig) and other hidden paths become empty, the Python installation and tools re-appear read-only even
when they live under a 0700 home, other users' processes are invisible; then it drops to the student's user.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

from jupyterhub.auth import Authenticator
from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from traitlets import List, Unicode

from labsupport.sandboxlaunch import confine_mounts


def password_hash(password: str, salt: bytes) -> str:
    return hashlib.scrypt(password.encode(), salt=salt, n=2 ** 14, r=8, p=1).hex()


class CardAuthenticator(Authenticator):
    cards_file = Unicode(config=True, help="JSON: login -> {unix, salt, hash}")

    async def authenticate(self, handler, data):
        cards = json.loads(Path(self.cards_file).read_text())
        entry = cards.get(str(data.get("username", "")).strip().lower())
        if entry is None:
            return None
        given = password_hash(str(data.get("password", "")), bytes.fromhex(entry["salt"]))
        return entry["unix"] if hmac.compare_digest(given, entry["hash"]) else None


class WorkshopSpawner(LocalProcessSpawner):
    hide = List(Unicode(), config=True, help="paths the student's server must not see (empty tmpfs)")
    expose = List(Unicode(), config=True, help="paths re-exposed read-only (Python, tools)")
    stage = Unicode(config=True, help="a root-only folder for the mount namespace's staging binds")

    def make_preexec_fn(self, name):
        become = set_user_setuid(name)
        hide, expose, stage = list(self.hide), list(self.expose), os.path.join(self.stage, name)

        def preexec():  # in the forked child, as root, before exec
            confine_mounts(hide, expose, stage)
            become()

        return preexec
