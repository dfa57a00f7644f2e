"""The installed ``ecs-exec-guard`` console script behaves like ``python -m ecs_exec_guard``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "ecs-exec-guard"

TEMPLATE = {
    "Resources": {
        "Task": {
            "Type": "AWS::ECS::TaskDefinition",
            "Properties": {"ContainerDefinitions": [{"Name": "app", "Image": "nginx"}]},
        },
        "Service": {
            "Type": "AWS::ECS::Service",
            "Properties": {"TaskDefinition": {"Ref": "Task"}, "EnableExecuteCommand": True,
                           "LaunchType": "FARGATE"},
        },
    }
}


@pytest.mark.skipif(
    not SCRIPT.exists() and shutil.which("ecs-exec-guard") is None,
    reason="the package is not installed (make setup installs it)",
)
def test_console_script_matches_python_m(tmp_path: Path) -> None:
    template = tmp_path / "t.json"
    template.write_text(json.dumps(TEMPLATE))
    script = str(SCRIPT) if SCRIPT.exists() else str(shutil.which("ecs-exec-guard"))
    args = ["check", str(template), "--format", "json"]
    by_script = subprocess.run([script, *args], capture_output=True, text=True, check=False)
    by_module = subprocess.run(
        [sys.executable, "-m", "ecs_exec_guard", *args], capture_output=True, text=True, check=False
    )
    assert by_script.returncode == by_module.returncode == 1  # IAM1: Fargate, no task role
    assert json.loads(by_script.stdout) == json.loads(by_module.stdout)
    bad = subprocess.run([script, "check", str(tmp_path / "missing.json")],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1
