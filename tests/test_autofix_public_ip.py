"""``EcsExecAutoFix(assign_public_ip=True)``: Fargate tasks in public subnets without a public IP
get one instead of an ssmmessages endpoint (issue 12, item 7). Off by default."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import autofix_apps as apps
import pytest

from ecs_exec_guard.analysis import analyze
from ecs_exec_guard.analysis.loader import load_paths

pytestmark = pytest.mark.slow


Synth = tuple[dict[str, Any], list[str], list[tuple[str, str]]]


def _synth(tmp_path: Path, **options: Any) -> Synth:
    app = apps.public_no_ip(fixes=0, outdir=str(tmp_path))
    (aspect,) = apps.add_fixes(app, 1, **options)
    app.synth()
    (body,) = [json.loads(p.read_text()) for p in tmp_path.glob("*.template.json")]
    report = analyze(load_paths([str(tmp_path)]))
    return body, aspect.changes, [(f.rule_id, f.severity.value) for f in report.findings]


def _of_type(body: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in body["Resources"].values() if r["Type"] == rtype]


@pytest.mark.parametrize("entry", apps.ENTRIES)
def test_assign_public_ip_gives_the_tasks_a_public_ip_instead_of_an_endpoint(
    tmp_path: Path, entry: str
) -> None:
    body, changes, findings = _synth(tmp_path, entry=entry, assign_public_ip=True)
    (service,) = _of_type(body, "AWS::ECS::Service")
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "ENABLED"
    assert _of_type(body, "AWS::EC2::VPCEndpoint") == []
    (change,) = [c for c in changes if "AssignPublicIp" in c]
    assert change.startswith("EcsExecAutoFix: set AssignPublicIp to ENABLED on Service")
    assert not [c for c in changes if "endpoint" in c and "created" in c]
    assert findings == []


def test_by_default_the_fix_creates_an_endpoint_and_keeps_the_ip_off(tmp_path: Path) -> None:
    """The twin: without the option, the repair is the ssmmessages endpoint, as before."""
    body, changes, findings = _synth(tmp_path)
    (service,) = _of_type(body, "AWS::ECS::Service")
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    (endpoint,) = _of_type(body, "AWS::EC2::VPCEndpoint")
    assert endpoint["PrivateDnsEnabled"] is True
    assert not [c for c in changes if "AssignPublicIp" in c]
    assert findings == []


def test_assign_public_ip_leaves_isolated_subnets_to_an_endpoint(tmp_path: Path) -> None:
    """No internet gateway: a public IP would not help, the endpoint is still created."""
    app = apps.isolated_vpc(fixes=0, outdir=str(tmp_path))
    apps.add_fixes(app, 1, assign_public_ip=True)
    app.synth()
    (body,) = [json.loads(p.read_text()) for p in tmp_path.glob("*.template.json")]
    (service,) = _of_type(body, "AWS::ECS::Service")
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    assert len(_of_type(body, "AWS::EC2::VPCEndpoint")) == 1
    assert analyze(load_paths([str(tmp_path)])).findings == []
