"""Containers and platform: what EcsExec-CTR1, CTR2 and PLT1 report.

The rules are in ``analysis/rules/container.py`` and ``analysis/rules/platform.py``. Container
fixes are registered property overrides (``ContainerDefinitions.<i>.ReadonlyRootFilesystem``,
``...LinuxParameters.InitProcessEnabled``), which work on L2 and L1 task definitions alike; a
pinned Fargate platform version below the first with exec is raised on the service.
"""

from __future__ import annotations

from typing import cast

from aws_cdk import aws_ecs as ecs

from ...analysis.findings import fix_for_exec_enabled_service
from ...analysis.launches import Launch
from ...analysis.model import EXEC_ENABLED_SERVICE_METADATA, Resource, get_ci, truthy
from .batch import Batch
from .common import WARNING_ROOT_FS, exec_platform_version
from .declarations import declare_exec_containers, declared_exec_containers
from .launch_points import container_path, platform_version_path
from .overrides import override


def fix_containers(batch: Batch, td: Resource, launches: list[Launch]) -> None:
    el = batch.snap.element(td)
    if el is None:
        return
    definitions = td.props.get("ContainerDefinitions")
    if not isinstance(definitions, list):
        return
    windows = batch.ctx.facts(launches[0]).windows
    names = [c.get("Name") if isinstance(c, dict) else None for c in definitions]
    cfn = el.construct
    option = batch.o.exec_containers
    present = sorted(n for n in names if isinstance(n, str) and option and n in option)
    if option is not None and present:
        # The aspect's option names the exec containers of this task definition: recorded
        # with the other declarations (ExecEnabledService, EcsExecContainerMixin), which must
        # agree. A task definition with none of the named containers declares nothing.
        declare_exec_containers(
            cfn, present, by=f"EcsExecAutoFix(exec_containers={sorted(option)!r})"
        )
    declared = declared_exec_containers(cfn)
    wanted = declared if declared is not None else option
    flipped: list[str] = []
    init: list[str] = []
    for i, c in enumerate(definitions):
        if not isinstance(c, dict):
            continue
        name = names[i]
        if wanted is not None and name not in wanted:
            continue
        label = name if isinstance(name, str) else f"#{i}"
        if batch.o.root_filesystem and truthy(c.get("ReadonlyRootFilesystem")) is True:
            override(cfn, f"{container_path(td, i)}.ReadonlyRootFilesystem", False)
            flipped.append(label)
        if (
            batch.o.init_process
            and not windows
            and truthy(get_ci(c.get("LinuxParameters"), "InitProcessEnabled")) is not True
        ):
            override(cfn, f"{container_path(td, i)}.LinuxParameters.InitProcessEnabled", True)
            init.append(label)
    done: list[str] = []
    if flipped:
        done.append(
            f"set ReadonlyRootFilesystem to false on container(s) {', '.join(flipped)} "
            "(ECS Exec's SSM agent writes to the root filesystem)"
        )
    if init:
        done.append(
            f"set LinuxParameters.InitProcessEnabled to true on container(s) "
            f"{', '.join(init)} (reaps the SSM agent's orphaned child processes)"
        )
    if done:
        batch.info(cfn, f"{el.logical_id}: " + "; ".join(done) + ".")
    if flipped:
        kept = [
            n for n, c in zip(names, definitions, strict=True)
            if isinstance(c, dict) and isinstance(n, str) and n not in flipped
            and truthy(c.get("ReadonlyRootFilesystem")) is True
        ]
        text = (
            f"container(s) {', '.join(flipped)} of {el.logical_id} lost their read-only "
            "root filesystem so that ECS Exec works. This fails Security Hub control ECS.5,"
            " AWS Config rule ecs-containers-readonly-access and Control Tower control "
            "CT.ECS.PR.6 for them: acknowledge those controls for these containers"
            + (", the declared exec containers." if declared is not None else
               ", or limit the change with EcsExecAutoFix(exec_containers=[...]).")
            + (f" Container(s) {', '.join(kept)} stay read-only and cannot be exec'd into."
               if kept else "")
        )
        if all(_by_exec_enabled_service(batch, launch) for launch in launches):
            text = fix_for_exec_enabled_service(text)
        batch.warn(cfn, WARNING_ROOT_FS, text)


def _by_exec_enabled_service(batch: Batch, launch: Launch) -> bool:
    """Whether the launch is the service of an ExecEnabledService (its options apply)."""
    el = batch.snap.element(launch.resource)
    return el is not None and el.get_metadata(EXEC_ENABLED_SERVICE_METADATA) is not None

# -- 5. platform version --------------------------------------------------------------


def fix_platform(batch: Batch, launch: Launch) -> None:
    facts = batch.ctx.facts(launch)
    if facts.capacity.kind != "FARGATE":
        return
    version = launch.platform_version
    text = exec_platform_version(version, facts.windows)
    if text is None:
        return
    el = batch.snap.element(launch.resource)
    if el is None:
        return
    path = platform_version_path(launch)
    if path is not None:
        override(el.construct, path, text)  # a pipe's or a Batch job's (no L1 property)
    else:
        cast(ecs.CfnService, el.construct).platform_version = text
    batch.info(
        el.construct,
        f"raised the Fargate platform version from {version} to {text}, the first with "
        f"ECS Exec on {'Windows' if facts.windows else 'Linux'}.",
    )
