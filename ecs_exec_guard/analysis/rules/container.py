"""Container rules: CTR1 (read-only root), CTR2 (init process), CTR3 (static credentials),
CTR4 (non-root user), CTR5 (pidMode task)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..findings import Finding, Severity
from ..intrinsics import describe, humanize, is_unknown, unknown_reason
from ..model import Resource, as_list, get_ci, truthy
from .base import Context, Rule

STATIC_CREDENTIAL_NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY")


def containers(td: Resource) -> list[tuple[str, dict[str, Any]]]:
    """The task definition's containers that are meant for exec (all, unless declared)."""
    declared = td.exec_containers
    labels = [
        c.get("Name") if isinstance(c.get("Name"), str) else f"#{i}"
        for i, c in enumerate(as_list(td.props.get("ContainerDefinitions")))
        if isinstance(c, dict)
    ]
    if declared is not None and not declared.intersection(labels):
        declared = None  # the declaration names no container here: check them all
    out: list[tuple[str, dict[str, Any]]] = []
    for i, c in enumerate(as_list(td.props.get("ContainerDefinitions"))):
        if isinstance(c, dict):
            name = c.get("Name")
            label = name if isinstance(name, str) else f"#{i}"
            if declared is None or label in declared:
                out.append((label, c))
    return out


class CTR1(Rule):
    id = "EcsExec-CTR1"
    severity = Severity.ERROR
    reported_on = "task definition"
    description = "No container of an exec-enabled task has a read-only root filesystem."
    explanation = (
        "The SSM agent that ECS bind-mounts for exec creates directories and files inside the "
        "container. With ReadonlyRootFilesystem true it cannot start, and exec fails. AWS does "
        "not support exec with a read-only root filesystem."
    )
    fix = (
        "Set readonly_root_filesystem=False on the containers you exec into, or leave it unset "
        "(ReadonlyRootFilesystem false in CloudFormation). To keep the other containers "
        "read-only, name the exec containers: EcsExecAutoFix(exec_containers=[...]) flips only "
        "those, and the checks then leave the others alone. This conflicts with Security Hub "
        "ECS.5: acknowledge that control for the exec containers."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for td in ctx.exec_task_definitions():
            flagged: list[str] = []
            unsure: list[str] = []
            for name, c in containers(td):
                value = truthy(c.get("ReadonlyRootFilesystem"))
                if value is True:
                    flagged.append(name)
                elif value is None:
                    unsure.append(name)
            if flagged:
                yield self.finding(
                    td,
                    f"Container(s) {', '.join(flagged)} of {td.logical_id} have a read-only root "
                    "filesystem; the exec agent cannot start in them.",
                )
            if unsure:
                yield self.finding(
                    td,
                    f"ReadonlyRootFilesystem of container(s) {', '.join(unsure)} of "
                    f"{td.logical_id} cannot be resolved.",
                    unverified=True,
                )


class CTR2(Rule):
    id = "EcsExec-CTR2"
    severity = Severity.WARNING
    reported_on = "task definition"
    description = "Linux containers of an exec-enabled task run an init process."
    explanation = (
        "Exec sessions start processes through the SSM agent; when a session ends abruptly, "
        "orphaned children are left as zombies unless PID 1 reaps them. "
        "LinuxParameters.InitProcessEnabled runs an init process that does."
    )
    fix = (
        "Set linux_parameters=ecs.LinuxParameters(self, \"Linux\", init_process_enabled=True) on "
        "the container in CDK (LinuxParameters.InitProcessEnabled true in CloudFormation); "
        "EcsExecAutoFix sets it."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for td, launches in ctx.exec_task_definitions().items():
            if ctx.facts(launches[0]).windows:
                continue
            lacking = [
                name
                for name, c in containers(td)
                if truthy(get_ci(c.get("LinuxParameters"), "InitProcessEnabled")) is not True
            ]
            if lacking:
                yield self.finding(
                    td,
                    f"Container(s) {', '.join(lacking)} of {td.logical_id} do not enable the "
                    "init process (LinuxParameters.InitProcessEnabled).",
                )


class CTR3(Rule):
    id = "EcsExec-CTR3"
    severity = Severity.WARNING
    reported_on = "task definition"
    description = "No container sets static AWS credentials in its environment or secrets."
    explanation = (
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_ACCESS_KEY in a container's environment "
        "override the task role for the SSM agent, which then connects as another principal; a "
        "classic cause of TargetNotConnectedException. Variables loaded from EnvironmentFiles "
        "(S3 objects) cannot be seen at synth time, so they are reported as cannot-verify."
    )
    fix = (
        "Remove the static credentials and grant what the application needs to the task role."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for td in ctx.exec_task_definitions():
            hits: list[str] = []
            files: list[str] = []
            for name, c in containers(td):
                for key in ("Environment", "Secrets"):
                    for entry in as_list(c.get(key)):
                        var = get_ci(entry, "Name")
                        if isinstance(var, str) and var.upper() in STATIC_CREDENTIAL_NAMES:
                            hits.append(f"{var} in {key} of {name}")
                for entry in as_list(c.get("EnvironmentFiles")):
                    value = get_ci(entry, "Value")
                    shown = value if isinstance(value, str) else describe(value, td.template.name)
                    files.append(f"{humanize(shown)} ({name})")
            if hits:
                yield self.finding(
                    td, f"{td.logical_id} sets static AWS credentials: {', '.join(hits)}."
                )
            if files:
                yield self.finding(
                    td,
                    f"{td.logical_id} loads environment files {', '.join(files)}: static AWS "
                    "credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) there would override "
                    "the task role for exec, and the files cannot be read at synth time.",
                    unverified=True,
                    fix="Keep AWS credentials out of the environment files (the task role "
                    "provides them) and acknowledge this finding with that reason.",
                )


def _is_root(user: str) -> bool:
    uid = user.split(":", 1)[0].strip()
    return uid in ("", "0", "root")


class CTR4(Rule):
    id = "EcsExec-CTR4"
    severity = Severity.WARNING
    reported_on = "task definition"
    description = "Containers that set a non-root user know that exec sessions still run as root."
    explanation = (
        "Commands run through ECS Exec run as root, whatever the container's User is: the SSM "
        "agent and its children run as root. A non-root User gives no protection against what "
        "an operator does in an exec session."
    )
    fix = (
        "Restrict who may call ecs:ExecuteCommand (grant_execute with a container-name "
        "condition) and audit sessions with exec logging; acknowledge this warning once that "
        "is understood."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for td in ctx.exec_task_definitions():
            users: list[str] = []
            for name, c in containers(td):
                user = c.get("User")
                if user is None:
                    continue
                if isinstance(user, str) and _is_root(user):
                    continue
                shown = user if isinstance(user, str) else describe(user, td.template.name)
                users.append(f"{name} (User {shown})")
            if users:
                yield self.finding(
                    td,
                    f"Container(s) {', '.join(users)} of {td.logical_id} run as a non-root user,"
                    " but exec sessions run as root.",
                )


class CTR5(Rule):
    id = "EcsExec-CTR5"
    severity = Severity.WARNING
    reported_on = "task definition"
    description = "An exec-enabled task does not share its PID namespace (pidMode task)."
    explanation = (
        "With pidMode 'task' all containers share one PID namespace and only one SSM agent can "
        "run in it, so only one container of the task can be exec'd into."
    )
    fix = (
        "Remove pid_mode=ecs.PidMode.TASK from the task definition (PidMode task in "
        "CloudFormation) unless you exec into a single container only."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        for td in ctx.exec_task_definitions():
            mode = td.props.get("PidMode")
            if isinstance(mode, str) and mode.lower() == "task":
                yield self.finding(
                    td,
                    f"{td.logical_id} sets PidMode task: only one container can be exec'd into.",
                )
            elif is_unknown(mode):
                yield self.finding(
                    td, f"PidMode of {td.logical_id} is {unknown_reason(mode)}.", unverified=True
                )
