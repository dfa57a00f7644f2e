"""Every field of a :class:`Launch` as plain data, for tests that pin whole launches."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from cfn import Template

from ecs_exec_guard.analysis.launch import Launch
from ecs_exec_guard.analysis.launches import find_launches
from ecs_exec_guard.analysis.model import Model


def model_of(*templates: Template) -> Model:
    return Model([(t.name, t.body(), None) for t in templates])


def launches_in(*templates: Template) -> list[Launch]:
    return find_launches(model_of(*templates))


def summary(launch: Launch) -> dict[str, Any]:
    """Every field of a launch and its label; the launch resource as its logical ID and type,
    the embedded task (a view) as its logical ID, type and properties."""
    out = {f.name: getattr(launch, f.name) for f in fields(launch)}
    out["resource"] = (launch.resource.logical_id, launch.resource.type)
    embedded = launch.embedded_task
    out["embedded_task"] = (
        None if embedded is None else (embedded.logical_id, embedded.type, embedded.props)
    )
    out["label"] = launch.label
    return out


def expected(
    kind: str,
    resource: tuple[str, str],
    where: str,
    *,
    exec_enabled: bool | None = True,
    task_definition: Any = None,
    cluster: Any = None,
    launch_type: Any = None,
    capacity_provider_strategy: Any = None,
    platform_version: Any = None,
    awsvpc: Any = None,
    extra: dict[str, Any] | None = None,
    task_role_override: Any = None,
    embedded_task: Any = None,
    network_note: str = "",
) -> dict[str, Any]:
    """The summary of a launch, every field stated (defaults: what most launches have)."""
    return {
        "kind": kind,
        "resource": resource,
        "where": where,
        "exec_enabled": exec_enabled,
        "task_definition": task_definition,
        "cluster": cluster,
        "launch_type": launch_type,
        "capacity_provider_strategy": capacity_provider_strategy,
        "platform_version": platform_version,
        "awsvpc": awsvpc,
        "extra": extra or {},
        "task_role_override": task_role_override,
        "embedded_task": embedded_task,
        "network_note": network_note,
        "label": f"{resource[0]} ({where})",
    }
