"""ENB1: every service and daemon has exec on (only when the user asks for it)."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding, Severity
from .base import Context, Rule

#: Launches that keep tasks running, where exec is expected to be on. One-off tasks (rule,
#: schedule, pipe and state machine targets, Batch jobs) turn it on per run when needed.
LONG_RUNNING = {"service": "Service", "daemon": "Daemon"}


class ENB1(Rule):
    id = "EcsExec-ENB1"
    severity = Severity.ERROR
    reported_on = "service / daemon"
    description = (
        "Every ECS service and daemon has EnableExecuteCommand on (only with require_exec / "
        "--require-exec)."
    )
    explanation = (
        "Exec is decided per task at launch: a service or daemon created without "
        "EnableExecuteCommand cannot be exec'd into until it is updated and its tasks are "
        "replaced. Teams that rely on exec for incident response require it everywhere. "
        "Tasks started by rules, schedules, pipes, state machines and Batch jobs are not "
        "checked: they are one-off runs."
    )
    fix = (
        "Set enable_execute_command=True on the service (EnableExecuteCommand true in "
        "CloudFormation, also on a daemon), or apply EcsExecAutoFix(enable_exec=True)."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        if not ctx.options.require_exec:
            return
        for launch in ctx.launches:
            noun = LONG_RUNNING.get(launch.kind)
            if noun is not None and launch.exec_enabled is False:
                yield self.finding(
                    launch.resource,
                    f"{noun} {launch.resource.logical_id} does not enable ECS Exec "
                    "(EnableExecuteCommand).",
                )
