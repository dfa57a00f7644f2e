"""The containers meant for exec are declared once, on the task definition, and every fix and
check respects the declaration (issue 12, items 1 and 2).

Declarations come from ``ExecEnabledService(exec_containers=...)``,
``EcsExecAutoFix(exec_containers=...)`` and ``EcsExecContainerMixin`` (which declares the
container it is applied to). Two that disagree fail synthesis naming both.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import l3_apps as apps
import pytest
from aws_cdk import aws_ecs as ecs

from ecs_exec_guard.analysis import Severity, analyze
from ecs_exec_guard.analysis.model import EXEC_CONTAINERS_METADATA
from ecs_exec_guard.constructs import ExecEnabledService, ExecMode
from ecs_exec_guard.policies.autofix import EcsExecAutoFix, EcsExecContainerMixin

pytestmark = pytest.mark.slow


def _task(stack: cdk.Stack) -> tuple[ecs.FargateTaskDefinition, dict[str, ecs.ContainerDefinition]]:
    """api and sidecar, both with a read-only root filesystem and the init process on."""
    td = ecs.FargateTaskDefinition(stack, "Task")
    out = {}
    for name in ("api", "sidecar"):
        out[name] = td.add_container(
            name,
            image=ecs.ContainerImage.from_registry(apps.IMAGE),
            readonly_root_filesystem=True,
            essential=name == "api",
            linux_parameters=ecs.LinuxParameters(stack, f"{name}Linux", init_process_enabled=True),
        )
    return td, out


def _app(tmp_path: Path) -> tuple[cdk.App, cdk.Stack, ecs.Cluster]:
    app = apps.new_app(str(tmp_path), fail=False)
    stack = cdk.Stack(app, "Declared")
    return app, stack, ecs.Cluster(stack, "Cluster", vpc=apps.nat_vpc(stack))


def _app_wide_fix(app: cdk.App, **options: Any) -> None:
    cdk.Aspects.of(app).add(EcsExecAutoFix(**options), priority=cdk.AspectPriority.MUTATING)


def _synth(app: cdk.App, tmp_path: Path) -> dict[str, Any]:
    app.synth()
    (body,) = [json.loads(p.read_text()) for p in tmp_path.glob("*.template.json")]
    return body  # type: ignore[no-any-return]


def _task_definition(body: dict[str, Any]) -> dict[str, Any]:
    (td,) = [r for r in body["Resources"].values() if r["Type"] == "AWS::ECS::TaskDefinition"]
    return td  # type: ignore[no-any-return]


def _readonly(body: dict[str, Any]) -> dict[str, Any]:
    return {
        c["Name"]: c.get("ReadonlyRootFilesystem")
        for c in _task_definition(body)["Properties"]["ContainerDefinitions"]
    }


def _errors(tmp_path: Path) -> list[tuple[str, str]]:
    from ecs_exec_guard.analysis.loader import load_paths

    report = analyze(load_paths([str(tmp_path)]))
    return sorted(
        (f.rule_id, f.message) for f in report.findings if f.severity is Severity.ERROR
    )


# -- item 1: the L3's declaration holds against an app-wide auto-fix ---------------------------


@pytest.mark.parametrize("mode", [ExecMode.FIX, ExecMode.ENFORCE], ids=["fix", "enforce"])
def test_an_app_wide_fix_respects_the_l3_exec_containers(tmp_path: Path, mode: ExecMode) -> None:
    app, stack, cluster = _app(tmp_path)
    td, _ = _task(stack)
    ExecEnabledService(
        stack, "Web", cluster=cluster, task_definition=td, mode=mode, exec_containers=["api"]
    )
    _app_wide_fix(app)
    body = _synth(app, tmp_path)
    assert _readonly(body) == {"api": False, "sidecar": True}
    assert _task_definition(body)["Metadata"][EXEC_CONTAINERS_METADATA] == ["api"]
    assert _errors(tmp_path) == []


def test_without_a_declaration_the_app_wide_fix_flips_every_container(tmp_path: Path) -> None:
    """The twin: nothing declared, so every container is an exec target."""
    app, stack, cluster = _app(tmp_path)
    td, _ = _task(stack)
    ecs.FargateService(
        stack, "Plain", cluster=cluster, task_definition=td, enable_execute_command=True
    )
    _app_wide_fix(app)
    body = _synth(app, tmp_path)
    assert _readonly(body) == {"api": False, "sidecar": False}
    assert EXEC_CONTAINERS_METADATA not in _task_definition(body).get("Metadata", {})
    assert _errors(tmp_path) == []


def test_an_agreeing_app_wide_declaration_is_accepted(tmp_path: Path) -> None:
    """exec_containers=["api", "worker"] names api in this task definition: the same set."""
    app, stack, cluster = _app(tmp_path)
    td, _ = _task(stack)
    ExecEnabledService(stack, "Web", cluster=cluster, task_definition=td, exec_containers=["api"])
    _app_wide_fix(app, exec_containers=["api", "worker"])
    body = _synth(app, tmp_path)
    assert _readonly(body) == {"api": False, "sidecar": True}
    assert _task_definition(body)["Metadata"][EXEC_CONTAINERS_METADATA] == ["api"]


def test_conflicting_l3_and_app_wide_declarations_fail_synthesis_naming_both(
    tmp_path: Path,
) -> None:
    app, stack, cluster = _app(tmp_path)
    td, _ = _task(stack)
    ExecEnabledService(stack, "Web", cluster=cluster, task_definition=td, exec_containers=["api"])
    _app_wide_fix(app, exec_containers=["sidecar"])
    with pytest.raises(Exception) as info:
        app.synth()
    message = str(info.value)
    assert "Declared/Task" in message
    assert "ExecEnabledService Declared/Web declares ['api']" in message
    assert "EcsExecAutoFix(exec_containers=['sidecar']) declares ['sidecar']" in message


def test_a_mixin_on_another_container_conflicts_with_the_l3(tmp_path: Path) -> None:
    app, stack, cluster = _app(tmp_path)
    td, containers = _task(stack)
    ExecEnabledService(stack, "Web", cluster=cluster, task_definition=td, exec_containers=["api"])
    cdk.Mixins.of(containers["sidecar"]).apply(EcsExecContainerMixin())
    with pytest.raises(Exception) as info:
        app.synth()
    message = str(info.value)
    assert "ExecEnabledService Declared/Web declares ['api']" in message
    assert "EcsExecContainerMixin on Declared/Task/sidecar declares ['sidecar']" in message


# -- item 2: EcsExecContainerMixin declares its container -------------------------------------


def _plain_with_mixin(tmp_path: Path, on: tuple[str, ...]) -> dict[str, Any]:
    app, stack, cluster = _app(tmp_path)
    td, containers = _task(stack)
    for name in on:
        cdk.Mixins.of(containers[name]).apply(EcsExecContainerMixin())
    ecs.FargateService(
        stack, "Plain", cluster=cluster, task_definition=td, enable_execute_command=True
    )
    return _synth(app, tmp_path)


def test_the_mixin_records_its_container_and_ctr1_spares_the_sibling(tmp_path: Path) -> None:
    body = _plain_with_mixin(tmp_path, ("api",))
    assert _readonly(body) == {"api": False, "sidecar": True}
    assert _task_definition(body)["Metadata"][EXEC_CONTAINERS_METADATA] == ["api"]
    assert _errors(tmp_path) == []


def test_the_mixin_on_two_containers_records_both(tmp_path: Path) -> None:
    body = _plain_with_mixin(tmp_path, ("api", "sidecar"))
    assert _readonly(body) == {"api": False, "sidecar": False}
    assert _task_definition(body)["Metadata"][EXEC_CONTAINERS_METADATA] == ["api", "sidecar"]


def test_without_the_mixin_ctr1_names_both_containers(tmp_path: Path) -> None:
    body = _plain_with_mixin(tmp_path, ())
    assert _readonly(body) == {"api": True, "sidecar": True}
    td_id = next(
        lid for lid, r in body["Resources"].items() if r["Type"] == "AWS::ECS::TaskDefinition"
    )
    assert _errors(tmp_path) == [
        (
            "EcsExec-CTR1",
            f"Container(s) api, sidecar of {td_id} have a read-only root filesystem; the exec "
            "agent cannot start in them.",
        )
    ]
