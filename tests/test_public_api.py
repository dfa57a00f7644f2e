"""What ``ecs_exec_guard`` exports (as README shows it) and how ``EcsExecChecks(only=...)`` reads
its rule IDs (issue 12, item 8)."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs

import ecs_exec_guard
from ecs_exec_guard.analysis.rules import RULES_BY_ID
from ecs_exec_guard.policies.pack import EcsExecChecks

IMAGE = "public.ecr.aws/docker/library/nginx:stable"
VALID_IDS = ", ".join(RULES_BY_ID)


@pytest.mark.parametrize(
    "name",
    [
        "EcsExecChecks",
        "EcsExecAutoFix",
        "EcsExecContainerMixin",
        "EcsExecPlatformVersionMixin",
        "EcsExecEnableMixin",
        "ExecEnabledService",
        "ExecLogging",
        "ExecMode",
        "ExecOperatorPolicy",
        "exec_operator_statements",
    ],
)
def test_readme_names_are_exported(name: str) -> None:
    assert name in ecs_exec_guard.__all__
    assert getattr(ecs_exec_guard, name).__name__ == name


def test_dir_lists_the_lazy_names_without_importing_them() -> None:
    # A new user's dir(ecs_exec_guard) showed analyze, Finding, ... but none of the CDK names.
    import subprocess
    import sys

    code = (
        "import sys, ecs_exec_guard as e; names = dir(e); "
        "print(sorted(set(e.__all__) - set(names)), 'jsii' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] False"


def test_every_exported_name_resolves() -> None:
    for name in ecs_exec_guard.__all__:
        assert getattr(ecs_exec_guard, name) is not None, name


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="EcsExecNope"):
        _ = ecs_exec_guard.EcsExecNope  # type: ignore[attr-defined]


@pytest.mark.slow
def test_mixin_from_the_package_root_repairs_a_container() -> None:
    """README: ``Mixins.of(container).apply(EcsExecContainerMixin())`` from ``ecs_exec_guard``."""
    from ecs_exec_guard import EcsExecContainerMixin

    stack = cdk.Stack(cdk.App(), "Mixins")
    td = ecs.FargateTaskDefinition(stack, "Task")
    app = td.add_container(
        "app", image=ecs.ContainerImage.from_registry(IMAGE), readonly_root_filesystem=True
    )
    sidecar = td.add_container(
        "sidecar", image=ecs.ContainerImage.from_registry(IMAGE), readonly_root_filesystem=True
    )
    cdk.Mixins.of(app).apply(EcsExecContainerMixin())
    containers = {
        c["Name"]: c
        for c in cdk.assertions.Template.from_stack(stack).find_resources(
            "AWS::ECS::TaskDefinition"
        )[stack.get_logical_id(td.node.default_child)]["Properties"]["ContainerDefinitions"]
    }
    assert containers["app"]["ReadonlyRootFilesystem"] is False
    assert containers["app"]["LinuxParameters"] == {"InitProcessEnabled": True}
    # The twin: the container it was not applied to keeps its read-only root filesystem.
    assert containers["sidecar"]["ReadonlyRootFilesystem"] is True
    assert "LinuxParameters" not in containers["sidecar"]
    assert sidecar.container_name == "sidecar"


# -- EcsExecChecks(only=...) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("only", "expected"),
    [
        (["EcsExec-CTR1"], ["EcsExec-CTR1"]),
        (["CTR1"], ["EcsExec-CTR1"]),
        (["NET2", "EcsExec-IAM2", "CTR1"], ["EcsExec-IAM2", "EcsExec-CTR1", "EcsExec-NET2"]),
        (("CTR1", "EcsExec-CTR1"), ["EcsExec-CTR1"]),
        ([], []),
    ],
)
def test_only_accepts_ids_with_or_without_the_prefix(
    only: list[str], expected: list[str]
) -> None:
    assert EcsExecChecks(only=only).rule_ids == expected


def test_without_only_every_rule_runs() -> None:
    assert EcsExecChecks().rule_ids == list(RULES_BY_ID)


@pytest.mark.parametrize("only", ["EcsExec-CTR1", "CTR1"])
def test_only_refuses_a_bare_string_and_lists_the_valid_ids(only: str) -> None:
    with pytest.raises(TypeError) as info:
        EcsExecChecks(only=only)
    message = str(info.value)
    assert f"only=[{only!r}]" in message
    assert message.endswith(f"Valid IDs: {VALID_IDS}")


@pytest.mark.parametrize(
    ("only", "named"),
    [
        (["EcsExec-CTR1", "EcsExec-CTR9"], "'EcsExec-CTR9'"),
        (["ctr1"], "'ctr1'"),
        (["CTR1", "NET99", "EcsExec-"], "'NET99', 'EcsExec-'"),
    ],
)
def test_only_refuses_unknown_ids_and_lists_the_valid_ids(only: list[str], named: str) -> None:
    with pytest.raises(ValueError) as info:
        EcsExecChecks(only=only)
    assert str(info.value) == (
        f"EcsExecChecks: unknown rule IDs in only: {named}. Valid IDs (the EcsExec- prefix is "
        f"optional): {VALID_IDS}"
    )


@pytest.mark.slow
def test_only_with_short_ids_limits_the_report(tmp_path: Path) -> None:
    """A service that breaks CTR1 and CTR2: only=["CTR2"] reports CTR2 alone, and passes."""
    app = cdk.App(outdir=str(tmp_path))
    pack = EcsExecChecks(app, only=["CTR2"])
    cdk.Validations.of(app).add_plugins(pack)
    stack = cdk.Stack(app, "Only")
    td = ecs.FargateTaskDefinition(stack, "Task")
    td.add_container(
        "app", image=ecs.ContainerImage.from_registry(IMAGE), readonly_root_filesystem=True
    )
    ecs.FargateService(
        stack,
        "Service",
        cluster=ecs.Cluster(stack, "Cluster", vpc=ec2.Vpc(stack, "Vpc", max_azs=1)),
        task_definition=td,
        enable_execute_command=True,
    )
    app.synth()  # CTR1 (an error) is not in the pack: synthesis passes
    assert pack.last_report is not None
    assert [(f.rule_id, f.construct_path) for f in pack.last_report.findings] == [
        ("EcsExec-CTR2", "Only/Task/Resource")
    ]
