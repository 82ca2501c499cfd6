"""JupyterHub for a workshop, on the instructor's machine: one Unix user and one JupyterLab per student.

    run_hub("w1", workshop.load(clients, "w1"), ip="0.0.0.0", port=8000)   # until Ctrl+C
    remove_users("w1")                                                    # at `workshop down`

JupyterHub comes from PyPI (the ``workshop`` extra), its proxy (configurable-http-proxy) from npm into
``$KINDLAB_CACHE/npm-chp-<version>``. The hub runs as root; LocalProcessSpawner starts each student's server as
that student's Unix user (``ws-<workshop>-<user>``, the tenant's name, GECOS ``kindlab-workshop=<workshop>`` so
``remove_users`` finds them). Each home holds ``~/.kube/config`` (the student's token only) and ``~/workbook``:
the labs' learner editions with the student's namespace, kubeconfig and cluster injected as parameters
(papermill), and ``start-here.ipynb``. Students have no Docker access: tasks needing node access fail with the
labs' own LabError hints (see the README's workshop section).
"""

from __future__ import annotations

import html
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml

from labsupport.config import DEFAULT_CLUSTER, context_name
from labsupport.errors import LabError
from labsupport.workshop import Student

CHP_VERSION = "5.3.0"
HUB_ROOT = Path(os.environ.get("KINDLAB_HUB_ROOT", "/var/lib/kindlab-hub"))
REPO = Path(__file__).resolve().parent.parent
SETTINGS = Path(__file__).resolve().parent / "jupyter-settings"
GECOS = "kindlab-workshop="  # a passwd field: no colons


def _cache() -> Path:
    return Path(os.environ.get("KINDLAB_CACHE") or Path.home() / ".cache" / "kindlab")


def proxy_command() -> Path:
    """configurable-http-proxy, installed from npm once into the cache (outside the repository)."""
    prefix = _cache() / f"npm-chp-{CHP_VERSION}"
    command = prefix / "node_modules" / ".bin" / "configurable-http-proxy"
    if not command.exists():
        done = subprocess.run(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                               f"configurable-http-proxy@{CHP_VERSION}"], capture_output=True, text=True,
                              timeout=600, check=False)
        if done.returncode != 0 or not command.exists():
            raise LabError(f"Cannot install configurable-http-proxy {CHP_VERSION} from npm: "
                           f"{done.stderr.strip()[-500:]}",
                           hint="Install Node.js and npm (Debian: apt-get install nodejs npm) and check that "
                                "the npm registry is reachable.")
    return command


def hub_dir(workshop: str) -> Path:
    return HUB_ROOT / workshop


def _run(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)


def workshop_users(workshop: str) -> list[str]:
    """Unix users made for ``workshop`` (found by their GECOS field, the passwd file's only label)."""
    return sorted(p.pw_name for p in pwd.getpwall() if p.pw_gecos == GECOS + workshop)


def ensure_user(workshop: str, student: Student) -> pwd.struct_passwd:
    """The student's Unix user with a home of its own (root only); created if missing."""
    name = student.tenant
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    for _attempt in range(10):
        done = _run(["useradd", "--create-home", "--user-group", "--shell", "/bin/bash", "--comment",
                     GECOS + workshop, name])
        if done.returncode != 10:  # 10: /etc/passwd is locked by another useradd (a grader's sandbox)
            break
        time.sleep(0.5)  # nothing to watch: the lock file has no notification
    if done.returncode != 0:
        raise LabError(f"Cannot create Unix user {name}: {done.stderr.strip()}",
                       hint="The hub must run as root (sudo) on Linux with useradd (Debian: package passwd).")
    return pwd.getpwnam(name)


def remove_users(workshop: str) -> list[str]:
    """Delete the workshop's Unix users and their homes (stop the hub first: it stops their servers)."""
    removed = []
    for name in workshop_users(workshop):
        done = _run(["userdel", "--remove", name])
        if done.returncode not in (0, 12):  # 12: the home was already gone
            raise LabError(f"Cannot delete Unix user {name}: {done.stderr.strip()}",
                           hint="Stop the hub first (Ctrl+C on `workshop hub`): its servers run as these users.")
        removed.append(name)
    shutil.rmtree(hub_dir(workshop), ignore_errors=True)
    return removed


def student_kubeconfig(student: Student) -> dict:
    """The student's kubeconfig with its context named as the labs look it up (``kind-kindlab``), whatever the
    instructor's context was called: the notebooks' ``cluster_name`` parameter then works on any cluster."""
    config = json.loads(json.dumps(student.kubeconfig))
    wanted = context_name(DEFAULT_CLUSTER)
    for ctx in config["contexts"]:
        if ctx["name"] == config["current-context"]:
            ctx["name"] = wanted
    config["current-context"] = wanted
    return config


def start_here(workshop: str, student: Student) -> nbformat.NotebookNode:
    """The first notebook a student opens: who they are on the cluster, where they work, what is degraded."""
    nb = nbformat.v4.new_notebook()
    # Named like the labs' kernel, so JupyterLab starts it without asking which kernel to use.
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    lines = "\n".join(f"- lab {lab}: namespace `{student.namespace(lab)}`" for lab in student.labs)
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            f"# Welcome, {html.escape(student.display)}\n\nWorkshop `{workshop}`. You work on a shared Kubernetes "
            f"cluster with your own namespaces (the labs in this folder already know them):\n\n{lines}\n\n"
            "Run the cells below (Shift+Enter), then open the first lab. In this workshop you have no access to "
            "the cluster's nodes (no Docker, no `kind`): steps that need it say so and can be skipped."),
        nbformat.v4.new_code_cell("!id -un\n!kubectl auth whoami"),
        nbformat.v4.new_code_cell("!kubectl get nodes"),
        nbformat.v4.new_code_cell(f"!kubectl -n {student.namespace(student.labs[0])} get all"),
    ]
    return nb


def _workbook(workshop: str, student: Student, home: Path) -> list[Path]:
    from papermill.iorw import load_notebook_node  # gives every cell the metadata.tags papermill looks at
    from papermill.parameterize import parameterize_notebook

    book = home / "workbook"
    book.mkdir(exist_ok=True)
    written = [book / "start-here.ipynb"]
    nbformat.write(start_here(workshop, student), written[0])
    for lab in student.labs:
        for source in sorted((REPO / "labs").glob(f"{lab}-*.ipynb")):
            nb = parameterize_notebook(load_notebook_node(str(source)), {
                "lab_id": lab, "namespace": student.namespace(lab), "cluster_name": DEFAULT_CLUSTER,
                "kubeconfig": str(home / ".kube" / "config")})
            # Right after the injected parameters: node-access cells are skipped with a note (workshopmode).
            at = next(i for i, c in enumerate(nb.cells) if "injected-parameters" in c.metadata.get("tags", []))
            nb.cells.insert(at + 1, nbformat.v4.new_code_cell(
                "from labsupport import workshopmode\nworkshopmode.enable()", metadata={"tags": ["workshop-mode"]}))
            target = book / source.name
            if not target.exists():  # never overwrite a student's work when the hub restarts
                nbformat.write(nb, target)
                written.append(target)
    return written


def _lab_settings(home: Path) -> None:
    """The project's JupyterLab choices (no news prompt) as the student's own settings: the server may not be able
    to read the checkout's settings folder (a checkout under a 0700 directory is hidden from students)."""
    overrides = json.loads((SETTINGS / "overrides.json").read_text())
    for plugin, values in overrides.items():
        package, _, name = plugin.partition(":")
        target = home / ".jupyter" / "lab" / "user-settings" / package / f"{name}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():  # a student's own later choice wins when the hub restarts
            target.write_text(json.dumps(values, indent=2))


def provision(workshop: str, student: Student) -> Path:
    """Unix user, ``~/.kube/config`` (0600) and ``~/workbook``, all owned by the student; returns the home."""
    entry = ensure_user(workshop, student)
    home = Path(entry.pw_dir)
    kube = home / ".kube"
    kube.mkdir(mode=0o700, exist_ok=True)
    config = kube / "config"
    config.write_text(yaml.safe_dump(student_kubeconfig(student)))
    config.chmod(0o600)
    _workbook(workshop, student, home)
    _lab_settings(home)
    for path in [kube, *home.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return home


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(workshop: str, students: list[Student], *, ip: str, port: int) -> Path:
    """The hub's folder (root only): the cards file (password hashes) and the config."""
    folder = hub_dir(workshop)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)  # the cards file and the config: root only
    from labsupport.sandbox import SandboxUser, _blocked_ancestors, python_paths
    from labsupport.workshophubclasses import password_hash

    cards = {}
    for s in students:
        salt = secrets.token_bytes(16)
        cards[s.user] = {"unix": s.tenant, "salt": salt.hex(), "hash": password_hash(s.password, salt)}
    (folder / "cards.json").write_text(json.dumps(cards))
    (folder / "cards.json").chmod(0o600)
    # The servers see the Python installation and the tools linked into its bin (kubectl) read-only, even under
    # root's 0700 home, which itself is hidden (labsupport.sandbox computes the same for graded notebooks).
    # labsupport itself too (the labs import it), but never the checkout: solutions/ holds the answer keys.
    expose = sorted({*python_paths(), Path(__file__).resolve().parent})
    probe = pwd.getpwnam(students[0].tenant)
    hide = {str(Path.home().resolve())} | {str(p) for p in _blocked_ancestors(
        expose, SandboxUser(probe.pw_name, probe.pw_uid, probe.pw_gid))}
    (folder / "stage").mkdir(mode=0o700, exist_ok=True)
    settings = {
        "JupyterHub.bind_url": f"http://{ip}:{port}",
        "JupyterHub.hub_ip": "127.0.0.1", "JupyterHub.hub_port": _free_port(),
        "ConfigurableHTTPProxy.api_url": f"http://127.0.0.1:{_free_port()}",
        "ConfigurableHTTPProxy.command": [str(proxy_command())],
        "ConfigurableHTTPProxy.pid_file": str(folder / "proxy.pid"),
        "JupyterHub.db_url": f"sqlite:///{folder / 'jupyterhub.sqlite'}",
        "JupyterHub.cookie_secret_file": str(folder / "cookie_secret"),
        "JupyterHub.pid_file": str(folder / "hub.pid"),
        "JupyterHub.cleanup_servers": True,
        "JupyterHub.authenticator_class": "labsupport.workshophubclasses.CardAuthenticator",
        "CardAuthenticator.cards_file": str(folder / "cards.json"),
        "Authenticator.allow_all": True,  # only card holders can authenticate at all
        "JupyterHub.spawner_class": "labsupport.workshophubclasses.WorkshopSpawner",
        "WorkshopSpawner.hide": sorted(hide), "WorkshopSpawner.expose": [str(p) for p in expose],
        "WorkshopSpawner.stage": str(folder / "stage"),
        "Spawner.cmd": [str(Path(sys.executable).with_name("jupyterhub-singleuser"))],
        "Spawner.args": [f"--LabApp.app_settings_dir={SETTINGS}"],
        "Spawner.notebook_dir": "~/workbook",
        "Spawner.default_url": "/lab/tree/start-here.ipynb",
        "Spawner.start_timeout": 180, "Spawner.http_timeout": 120,
        "Spawner.environment": {
            "PYTHONPATH": str(REPO), "KINDLAB_WORKSHOP": workshop,
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])},
    }
    lines = ["# Written by labsupport.workshophub for workshop " + workshop + "; rewritten at each start."]
    lines += [f"c.{key} = {value!r}" for key, value in settings.items()]
    (folder / "jupyterhub_config.py").write_text("\n".join(lines) + "\n")
    return folder / "jupyterhub_config.py"


def hub_command(workshop: str, students: list[Student], *, ip: str, port: int) -> list[str]:
    """Provision every student, write the config; the command that runs the hub (from the hub's folder)."""
    if os.geteuid() != 0:
        raise LabError("The workshop hub must run as root: it starts each student's server as their own Unix user.",
                       hint="Run it with sudo (or as root in the instructor's VM).")
    if not students:
        raise LabError(f"Workshop {workshop} has no students.",
                       hint=f"`python -m labsupport workshop up --name {workshop} --students N` first.")
    for student in students:
        provision(workshop, student)
    config = write_config(workshop, students, ip=ip, port=port)
    return [str(Path(sys.executable).with_name("jupyterhub")), "-f", str(config)]


def run_hub(workshop: str, students: list[Student], *, ip: str, port: int) -> int:
    """Become the hub (exec): its pid is this command's, so Ctrl+C or SIGTERM stops it and the students'
    servers (cleanup_servers). Returns only when it cannot start."""
    command = hub_command(workshop, students, ip=ip, port=port)
    os.chdir(hub_dir(workshop))
    os.execv(command[0], command)
    return 1  # not reached: execv replaces this process or raises
