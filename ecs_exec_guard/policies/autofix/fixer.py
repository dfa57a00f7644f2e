"""The coordinator: which services one batch fixes, and the order of the fix families.

The order is part of the output (construct IDs, annotations): exec flag, then permissions
(per task definition), network (per service), containers (per task definition) and the
platform version (per service).
"""

from __future__ import annotations

from ...analysis.launches import Launch
from ...analysis.model import Resource, truthy
from .batch import Batch
from .common import WARNING_CANNOT_FIX
from .containers import fix_containers, fix_platform
from .network import fix_network
from .permissions import fix_override_role, fix_permissions


def run(batch: Batch) -> None:
    """Apply every enabled fix to every exec-enabled service of the batch."""
    exec_launches: list[Launch] = []
    for launch in batch.launches:
        el = batch.snap.element(launch.resource)
        assert el is not None
        if launch.exec_enabled is True and batch.o.enable_exec and not truthy(
            el.raw.get("EnableExecuteCommand")
        ):
            el.construct.enable_execute_command = True  # type: ignore[attr-defined]
            batch.info(el.construct, "turned ECS Exec on (EnableExecuteCommand: true).")
        if launch.exec_enabled is not False:
            exec_launches.append(launch)
    if not exec_launches:
        return
    by_td: dict[Resource, list[Launch]] = {}
    for launch in exec_launches:
        facts = batch.ctx.facts(launch)
        if facts.task_definition is not None:
            by_td.setdefault(facts.task_definition, []).append(launch)
        elif launch.exec_enabled is not False:
            svc = batch.snap.element(launch.resource)
            assert svc is not None
            batch.warn(
                svc.construct,
                WARNING_CANNOT_FIX,
                f"the task definition of {svc.logical_id} is not in the app; its task role "
                "and containers cannot be fixed.",
            )
    if batch.o.permissions:
        for td, launches in by_td.items():
            # A launch that overrides the task role (a pipe's Overrides.TaskRoleArn) runs its
            # tasks with that role: it is fixed instead of the task definition's.
            own = [lc for lc in launches if lc.task_role_override is None]
            if own:
                fix_permissions(batch, td, own)
        for launch in exec_launches:
            if launch.task_role_override is not None:
                fix_override_role(batch, launch)
    if batch.o.endpoints or batch.o.egress:
        for launch in exec_launches:
            fix_network(batch, launch)
    if batch.o.root_filesystem or batch.o.init_process:
        for td, launches in by_td.items():
            fix_containers(batch, td, launches)
    if batch.o.platform_version:
        for launch in exec_launches:
            fix_platform(batch, launch)
