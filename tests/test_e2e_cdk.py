"""End to end: the real CDK CLI (``npx cdk synth``) runs a Python app with EcsExecChecks.

Needs the pinned CDK CLI in node_modules (``make setup``) and Node 24, which the Makefile puts
in .venv/bin; PATH starts there for every command below.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
CDK = ROOT / "node_modules" / ".bin" / "cdk"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python" if (VENV_BIN / "python").exists() else Path(sys.executable)
VIOLATING_APP = "tests/e2e_apps/violating_app.py"

if not CDK.exists():
    pytest.skip(
        f"the CDK CLI is not installed ({CDK.relative_to(ROOT)} is missing): run `make setup`",
        allow_module_level=True,
    )


def cdk_synth(outdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")]),
        "CDK_DISABLE_VERSION_CHECK": "true",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
    }
    env.pop("CDK_OUTDIR", None)
    proc = subprocess.run(
        ["npx", "cdk", "synth", "--no-notices", "-o", str(outdir), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # Neither jsii nor the CLI may run on an end-of-life Node (they print a warning box).
    assert "end-of-life" not in proc.stdout + proc.stderr, proc.stderr[-3000:]
    return proc


def test_violating_app_fails_synthesis_with_rule_ids(tmp_path: Path) -> None:
    proc = cdk_synth(tmp_path / "cdk.out", "--app", f"{PYTHON} {VIOLATING_APP}")
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "EcsExec-CTR1" in output, output
    assert "E2eViolating/TaskDef/Resource" in output, output
    assert "EcsExec::EcsExec-CTR1" in output, output  # how to acknowledge it
    assert "Traceback" not in output, output


def _root_app() -> Path:
    app = ROOT / "app.py"
    if not app.exists():
        pytest.skip("there is no app.py at the repository root")
    return app


# app.py forcing its violations demo by itself (rather than through ``-c demo=violations``).
FORCES_VIOLATIONS = re.compile(
    r"""set_context\(\s*["']demo["']\s*,\s*["']violations["']|["']demo["']\s*:\s*["']violations["']"""
)


def test_root_app_synthesizes(tmp_path: Path) -> None:
    app = _root_app()
    if FORCES_VIOLATIONS.search(app.read_text("utf-8")):
        pytest.skip("app.py sets demo=violations itself: it is meant to fail")
    proc = cdk_synth(tmp_path / "cdk.out")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "Successfully synthesized" in output, output
    assert list((tmp_path / "cdk.out").glob("*.template.json"))


def test_root_app_demo_violations_fails(tmp_path: Path) -> None:
    app = _root_app()
    if "violations" not in app.read_text("utf-8"):
        pytest.skip("app.py has no demo=violations mode")
    proc = cdk_synth(tmp_path / "cdk.out", "-c", "demo=violations")
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "EcsExec-" in output, output
