"""Mixins: targeted, construction-time versions of the cheap fixes.

They read only the construct they are applied to (no snapshot, no analysis of the rest of the
app), so they cost a few bridge calls each. The network and permission fixes need the whole
app and stay in the aspect. Their overrides are registered, so the aspect does not repeat them.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ecs as ecs
from constructs import IConstruct

from .common import ANNOTATION_PREFIX, WARNING_ROOT_FS, construct_key, exec_platform_version
from .declarations import declare_exec_containers
from .overrides import override


def _service_l1(construct: IConstruct) -> ecs.CfnService | None:
    if isinstance(construct, ecs.CfnService):
        return construct
    child = construct.node.default_child
    return child if isinstance(child, ecs.CfnService) else None


class EcsExecEnableMixin(cdk.Mixin):
    """Turns ECS Exec on for a service (L2 ``BaseService`` or ``CfnService``).

    Unlike ``enable_execute_command=True`` on an L2 service this adds no permissions: apply
    ``EcsExecAutoFix`` (or grant them) as well.
    """

    def supports(self, construct: IConstruct) -> bool:
        return _service_l1(construct) is not None

    def apply_to(self, construct: IConstruct) -> None:
        cfn = _service_l1(construct)
        if cfn is None or cfn.enable_execute_command is True:
            return
        cfn.enable_execute_command = True
        cdk.Annotations.of(cfn).add_info(
            f"{ANNOTATION_PREFIX}: turned ECS Exec on (EnableExecuteCommand: true)."
        )


class EcsExecPlatformVersionMixin(cdk.Mixin):
    """Raises a Fargate service's pinned platform version to the first that supports exec."""

    def __init__(self, *, windows: bool = False) -> None:
        super().__init__()
        self.windows = windows

    def supports(self, construct: IConstruct) -> bool:
        return _service_l1(construct) is not None

    def apply_to(self, construct: IConstruct) -> None:
        cfn = _service_l1(construct)
        if cfn is None:
            return
        version = cfn.platform_version
        text = exec_platform_version(version, self.windows)
        if text is None:
            return
        cfn.platform_version = text
        cdk.Annotations.of(cfn).add_info(
            f"{ANNOTATION_PREFIX}: raised the Fargate platform version from {version} to {text}."
        )


class EcsExecContainerMixin(cdk.Mixin):
    """Makes an L2 ``ContainerDefinition`` exec-ready: writable root filesystem, init process.

    Apply it to the containers you exec into (``Mixins.of(container).apply(...)``): it is the
    construction-time form of ``EcsExecAutoFix(exec_containers=[...])`` for one container, and
    declares the container an exec target of its task definition, so that the checks (CTR1)
    and ``EcsExecAutoFix`` leave its siblings alone.
    The overrides are registered, so ``EcsExecAutoFix`` sees them and does not repeat them.
    """

    def __init__(self, *, root_filesystem: bool = True, init_process: bool = True) -> None:
        """:param init_process: set it False for Windows containers (no init process there)."""
        super().__init__()
        self.root_filesystem = root_filesystem
        self.init_process = init_process

    def supports(self, construct: IConstruct) -> bool:
        return isinstance(construct, ecs.ContainerDefinition)

    def apply_to(self, construct: IConstruct) -> None:
        if not isinstance(construct, ecs.ContainerDefinition):
            return
        td = construct.task_definition
        cfn = td.node.default_child
        if not isinstance(cfn, ecs.CfnTaskDefinition):
            return
        siblings = [c for c in td.node.children if isinstance(c, ecs.ContainerDefinition)]
        key = construct_key(construct)
        index = next(i for i, c in enumerate(siblings) if construct_key(c) == key)
        # What the task definition will render for this container (one call, nothing cached).
        rendered = construct.render_container_definition()
        linux = rendered.linux_parameters
        init_on = isinstance(linux, ecs.CfnTaskDefinition.LinuxParametersProperty) and (
            linux.init_process_enabled is True
        )
        name = construct.container_name
        # The container is an exec target: the checks and EcsExecAutoFix leave its siblings
        # alone (unless something else declares them too).
        declare_exec_containers(
            cfn, [name], by=f"EcsExecContainerMixin on {construct.node.path}", exact=False
        )
        done: list[str] = []
        if self.root_filesystem and rendered.readonly_root_filesystem is True:
            override(cfn, f"ContainerDefinitions.{index}.ReadonlyRootFilesystem", False)
            done.append("ReadonlyRootFilesystem false")
            cdk.Annotations.of(cfn).add_warning_v2(
                WARNING_ROOT_FS,
                f"{ANNOTATION_PREFIX}: container {name} lost its read-only root filesystem so "
                "that ECS Exec works. This fails Security Hub control ECS.5, AWS Config rule "
                "ecs-containers-readonly-access and Control Tower control CT.ECS.PR.6 for it: "
                "acknowledge those controls for this container.",
            )
        if self.init_process and not init_on:
            override(
                cfn, f"ContainerDefinitions.{index}.LinuxParameters.InitProcessEnabled", True
            )
            done.append("LinuxParameters.InitProcessEnabled true")
        if done:
            cdk.Annotations.of(cfn).add_info(
                f"{ANNOTATION_PREFIX}: set {' and '.join(done)} on container {name}."
            )
