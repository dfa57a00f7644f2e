"""`analyze(rules=...)` runs only the rules named, wherever they are in the rule order."""

from __future__ import annotations

from cfn import Template, exactly, exec_app, run

from ecs_exec_guard.analysis import Severity, analyze


def broken_twice() -> Template:
    """A read-only root filesystem (CTR1) in a public subnet without a public IP (NET3)."""
    t = exec_app(subnet="public")
    t.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] = (
        "DISABLED")
    t.container()["ReadonlyRootFilesystem"] = True
    return t


def test_all_rules_by_default() -> None:
    exactly(run(broken_twice()),
            ("EcsExec-CTR1", Severity.ERROR, "TaskDef"),
            ("EcsExec-NET3", Severity.ERROR, "Service"))


def test_only_the_rules_named() -> None:
    t = broken_twice()
    body = {t.name: t.body()}
    exactly(analyze(body, rules=["EcsExec-NET3"]), ("EcsExec-NET3", Severity.ERROR, "Service"))
    exactly(analyze(body, rules=["EcsExec-CTR1", "EcsExec-NET3"]),
            ("EcsExec-CTR1", Severity.ERROR, "TaskDef"),
            ("EcsExec-NET3", Severity.ERROR, "Service"))
    assert analyze(body, rules=[]).findings == []
