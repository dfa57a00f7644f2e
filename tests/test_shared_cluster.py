"""A cluster shared with other exec services is not broken by one ExecEnabledService (issue 12,
item 4).

``exec_logging`` sets the cluster's exec logging and KMS key, which apply to every exec service
of the cluster. In FIX mode the construct gives the task role of every exec service of that
cluster the permissions they need; a neighbour in ENFORCE mode is not changed, and its own
checks fail synthesis naming what it lacks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import l3_apps as apps
import pytest
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from ecs_exec_guard.analysis import analyze
from ecs_exec_guard.analysis.loader import load_paths
from ecs_exec_guard.constructs import ExecEnabledService, ExecLogging, ExecMode
from ecs_exec_guard.policies.pack import EcsExecChecks

pytestmark = pytest.mark.slow


def _shared(
    outdir: Path,
    *,
    neighbour: str,
    web_mode: ExecMode = ExecMode.FIX,
    full_pack: bool = True,
) -> tuple[cdk.App, cdk.Stack]:
    """Cluster "Cluster" with a neighbour defined first (a plain FargateService, or an
    ExecEnabledService in ENFORCE mode without exec_logging), then "Web" (FIX) turning on exec
    logging with a KMS key. A service on another cluster ("Elsewhere") stays out of it. The
    app registers EcsExecChecks, so any error finding fails synthesis."""
    app = apps.new_app(str(outdir))
    if full_pack:
        cdk.Validations.of(app).add_plugins(EcsExecChecks(app))
    stack = cdk.Stack(app, "Shared")
    vpc = apps.nat_vpc(stack)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    task = apps.fargate_task(stack, "NeighbourTask", init=True)
    if neighbour == "plain":
        ecs.FargateService(
            stack, "Neighbour", cluster=cluster, task_definition=task, enable_execute_command=True
        )
    else:
        ExecEnabledService(
            stack, "Neighbour", cluster=cluster, task_definition=task, mode=ExecMode.ENFORCE
        )
    ecs.FargateService(
        stack,
        "Elsewhere",
        cluster=ecs.Cluster(stack, "OtherCluster", vpc=vpc),
        task_definition=apps.fargate_task(stack, "ElsewhereTask", init=True),
        enable_execute_command=True,
    )
    ExecEnabledService(
        stack,
        "Web",
        cluster=cluster,
        task_definition=apps.fargate_task(stack, "WebTask", init=True),
        mode=web_mode,
        exec_logging=ExecLogging(
            log_group=logs.LogGroup(stack, "ExecLogs", removal_policy=cdk.RemovalPolicy.DESTROY),
            kms_key=kms.Key(stack, "ExecKey", enable_key_rotation=True),
        ),
    )
    return app, stack


def _actions(body: dict[str, Any], task: str) -> list[str]:
    """The actions the task role of task definition ``task`` is allowed, sorted."""
    role = next(
        lid
        for lid, r in body["Resources"].items()
        if r["Type"] == "AWS::IAM::Role" and lid.startswith(f"{task}TaskRole")
    )
    out: set[str] = set()
    for r in body["Resources"].values():
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"]["Roles"]:
            for st in r["Properties"]["PolicyDocument"]["Statement"]:
                actions = st["Action"]
                out.update([actions] if isinstance(actions, str) else actions)
    return sorted(out)


SSM = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]
LOGGING = [
    "kms:Decrypt",
    "logs:CreateLogStream",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
]


def test_fix_gives_a_plain_neighbour_the_logging_permissions(tmp_path: Path) -> None:
    app, _ = _shared(tmp_path, neighbour="plain")
    app.synth()  # EcsExecChecks would fail it on an IAM3 error
    (body,) = [json.loads(p.read_text()) for p in tmp_path.glob("*.template.json")]
    assert _actions(body, "NeighbourTask") == sorted(LOGGING + SSM)
    assert _actions(body, "WebTask") == sorted(LOGGING + SSM)
    # The twin: a service of another cluster keeps what CDK gives it (ssmmessages, and logs
    # for Logging DEFAULT without the reduce-permissions flag), no KMS key it does not use.
    assert _actions(body, "ElsewhereTask") == sorted(
        [a for a in LOGGING if not a.startswith("kms:")] + SSM
    )
    assert analyze(load_paths([str(tmp_path)])).findings == []


def test_an_enforced_neighbour_is_left_alone_and_fails_synthesis_naming_what_it_lacks(
    tmp_path: Path,
) -> None:
    app, _ = _shared(tmp_path, neighbour="enforce")
    with pytest.raises(Exception) as info:
        app.synth()
    message = str(info.value)
    assert "EcsExec-IAM3" in message
    assert "Shared/NeighbourTask/TaskRole" in message
    report = json.loads((tmp_path / "validation-report.json").read_text())
    violations = [
        (v["ruleName"], c["constructPath"])
        for p in report["pluginReports"]
        for v in p["violations"]
        for c in v["violatingConstructs"]
    ]
    assert violations == [("EcsExec-IAM3", "Shared/NeighbourTask/TaskRole/Resource")]
    fixes = [v["suggestedFix"] for p in report["pluginReports"] for v in p["violations"]]
    assert fixes and "ExecEnabledService(mode=ExecMode.FIX) adds the role's permissions" in fixes[0]


def test_enforce_refuses_to_leave_a_neighbour_without_the_logging_permissions(
    tmp_path: Path,
) -> None:
    """ENFORCE changes nothing, but the cluster configuration it sets breaks the neighbour:
    the neighbour's IAM3 fails synthesis even without an app-wide EcsExecChecks; the service on
    another cluster is not reported."""
    app, _ = _shared(tmp_path, neighbour="plain", web_mode=ExecMode.ENFORCE, full_pack=False)
    with pytest.raises(Exception, match="EcsExec-IAM3"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    violations = [
        (v["ruleName"], v["severity"], c["constructPath"])
        for p in report["pluginReports"]
        for v in p["violations"]
        for c in v["violatingConstructs"]
    ]
    assert violations == [
        ("EcsExec-IAM3", "error", "Shared/NeighbourTask/TaskRole/Resource")
    ]
