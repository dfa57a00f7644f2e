"""ENB1: every service has exec on (only when the user asks for it)."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding, Severity
from .base import Context, Rule


class ENB1(Rule):
    id = "EcsExec-ENB1"
    severity = Severity.ERROR
    reported_on = "service"
    description = (
        "Every ECS service has EnableExecuteCommand on (only with require_exec / --require-exec)."
    )
    explanation = (
        "Exec is decided per task at launch: a service created without EnableExecuteCommand "
        "cannot be exec'd into until it is updated and its tasks are replaced. Teams that rely "
        "on exec for incident response require it everywhere."
    )
    fix = (
        "Set enable_execute_command=True on the service (EnableExecuteCommand true in "
        "CloudFormation), or apply EcsExecAutoFix(enable_exec=True)."
    )

    def check(self, ctx: Context) -> Iterator[Finding]:
        if not ctx.options.require_exec:
            return
        for launch in ctx.launches:
            if launch.kind == "service" and launch.exec_enabled is False:
                yield self.finding(
                    launch.resource,
                    f"Service {launch.resource.logical_id} does not enable ECS Exec "
                    "(EnableExecuteCommand).",
                )
