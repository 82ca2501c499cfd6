import shutil
from pathlib import Path

import pytest

from labsupport.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"


@pytest.mark.parametrize("argv, message", [
    ([], "required: COMMAND"),
    (["nonsense"], "invalid choice"),
    (["grade", "x.ipynb"], "required: --lab"),
    (["grade", "x.ipynb", "--lab", "3"], "two-digit lab id"),
    (["grade", "x.ipynb", "--lab", "03", "--cell-timeout", "0"], "positive number"),
    (["grade", "x.ipynb", "--lab", "03", "--timeout", "soon"], "positive number"),
    (["grade", "--lab", "03"], "required: NOTEBOOK"),
])
def test_argument_errors_exit_2_with_a_message(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_grade_missing_notebook_is_an_error_with_hint(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "absent.ipynb"), "--lab", "00"]) == 2
    err = capsys.readouterr().err
    assert "No notebook at" in err and "hint:" in err


def test_grade_unknown_lab_is_an_error(tmp_path, capsys):
    nb = tmp_path / "n.ipynb"
    shutil.copy(FIXTURES / "raises_in_cell.ipynb", nb)
    empty = tmp_path / "kubeconfig"
    empty.write_text("apiVersion: v1\nkind: Config\ncurrent-context: kind-kindlab\ncontexts:\n"
                     "- name: kind-kindlab\n  context: {cluster: c, user: u}\nclusters:\n"
                     "- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: u\n  user: {}\n")
    assert main(["grade", str(nb), "--lab", "98", "--kubeconfig", str(empty)]) == 2
    assert "No checks for lab 98" in capsys.readouterr().err


def test_edition_without_solutions_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["edition", "--check"]) == 2
    assert "No answer-key folder" in capsys.readouterr().err


def test_edition_check_exit_codes(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "solutions").mkdir()
    shutil.copy(FIXTURES / "answer_key.ipynb", tmp_path / "solutions" / "01-x.ipynb")
    assert main(["edition", "--check"]) == 1
    assert "labs/01-x.ipynb: missing" in capsys.readouterr().err
    assert main(["edition"]) == 0
    assert main(["edition", "--check"]) == 0


@pytest.mark.parametrize("argv, message", [
    (["cluster"], "required: VERB"),
    (["cluster", "sideways"], "invalid choice"),
    (["cluster", "up", "--nope"], "unrecognized arguments"),
])
def test_cluster_argument_errors_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_cluster_errors_use_the_one_error_format(monkeypatch, capsys):
    from labsupport import cluster
    from labsupport.errors import PreflightError

    def no_image(spec):
        raise PreflightError("no node image here", hint="Build it with `make images`.")

    monkeypatch.setattr(cluster, "choose_image", no_image)
    assert main(["cluster", "image", "--name", "x"]) == 2
    assert capsys.readouterr().err == "error: no node image here\nhint: Build it with `make images`.\n"


def test_cluster_status_of_an_absent_cluster_exits_1(monkeypatch, capsys):
    from labsupport import cluster

    monkeypatch.setattr(cluster, "cluster_exists", lambda name: False)
    assert main(["cluster", "status", "--name", "kindlab-absent"]) == 1
    assert capsys.readouterr().out.startswith("kindlab-absent: absent")


def test_cluster_preflight_prints_each_check(monkeypatch, capsys):
    from labsupport import preflight

    monkeypatch.setattr(preflight, "run_preflight", lambda nodes: [
        preflight.PreflightResult("docker", True, "Docker 20.10"),
        preflight.PreflightResult("memory", False, "1.0 GiB available", "close programs")])
    assert main(["cluster", "preflight", "--nodes", "1"]) == 1
    out = capsys.readouterr().out
    assert "ok   docker" in out and "FAIL memory" in out and "fix: close programs" in out


def test_the_old_cluster_entry_point_is_gone():
    import importlib

    assert not hasattr(importlib.import_module("labsupport.cluster"), "main")
