"""Both branches of ``Fn::If`` on a deploy-time condition (issue 10, item 6): an error when every
branch fails, a pass when every branch passes, a cannot-verify naming the condition when they
differ; for the properties the rules read most (and, by construction, all others)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cfn import (
    Template,
    arn,
    describe,
    exactly,
    exec_app,
    fn_if,
    import_value,
    one,
    ref,
    rule_ids,
)

from ecs_exec_guard.analysis import Severity
from ecs_exec_guard.analysis.scenarios import MAX_CONDITIONS


def with_condition(name: str = "IsProd") -> Template:
    app = exec_app()
    app.parameters["Env"] = {"Type": "String", "Default": "dev"}
    app.conditions[name] = {"Fn::Equals": [ref("Env"), "prod"]}
    return app


def set_readonly(app: Template, value: Any) -> None:
    app.container()["ReadonlyRootFilesystem"] = value


def set_platform(app: Template, value: Any) -> None:
    app.props("Service")["PlatformVersion"] = value


def set_public_ip(app: Template, value: Any) -> None:
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"].update(
        Subnets=[ref("PublicSubnet")], AssignPublicIp=value)


def set_task_role(app: Template, value: Any) -> None:
    app.role("BareRole")
    app.props("TaskDef")["TaskRoleArn"] = value


def set_subnets(app: Template, value: Any) -> None:
    app.props("Service")["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"] = value


# property: (setter, a failing value, another failing value, a passing value, rule, resource)
PROPERTIES: dict[str, tuple[Callable[[Template, Any], None], Any, Any, Any, str, str]] = {
    "ReadonlyRootFilesystem": (set_readonly, True, "true", False, "EcsExec-CTR1", "TaskDef"),
    "PlatformVersion": (set_platform, "1.3.0", "1.2.0", "LATEST", "EcsExec-PLT1", "Service"),
    "AssignPublicIp": (set_public_ip, "DISABLED", "DISABLED", "ENABLED", "EcsExec-NET3",
                       "Service"),
    "task role": (set_task_role, arn("BareRole"), arn("BareRole"), arn("TaskRole"),
                  "EcsExec-IAM2", "BareRole"),
    "subnets": (set_subnets, [ref("IsolatedSubnet")], [ref("IsolatedSubnet")],
                [ref("PrivateSubnet")], "EcsExec-NET2", "Service"),
}


@pytest.mark.parametrize("prop", PROPERTIES)
def test_every_branch_passes(prop: str) -> None:
    setter, _, _, good, _, _ = PROPERTIES[prop]
    app = with_condition()
    setter(app, fn_if("IsProd", good, good))
    assert app.analyze().findings == []
    app = with_condition()
    other = "1.4.0" if prop == "PlatformVersion" else good
    setter(app, fn_if("IsProd", good, other))
    assert app.analyze().findings == [], describe(app.analyze())


@pytest.mark.parametrize("prop", PROPERTIES)
def test_every_branch_fails_is_an_error(prop: str) -> None:
    setter, bad, other_bad, _, rule, resource = PROPERTIES[prop]
    app = with_condition()
    setter(app, fn_if("IsProd", bad, other_bad))
    report = app.analyze()
    if prop == "PlatformVersion":  # the branches fail differently: each says when
        assert rule_ids(report) == [rule, rule], describe(report)
        return
    assert rule_ids(report) == [rule], describe(report)
    finding = one(report, rule, Severity.ERROR, resource)
    assert "IsProd" not in finding.message


def test_every_branch_fails_differently_lists_each() -> None:
    app = with_condition()
    set_platform(app, fn_if("IsProd", "1.3.0", "1.2.0"))
    messages = sorted(f.message for f in app.analyze().findings)
    assert [m.split(":", 1)[0] for m in messages] == ["When IsProd is false", "When IsProd is true"]
    assert all(f.severity is Severity.ERROR for f in app.analyze().findings)


@pytest.mark.parametrize("prop", PROPERTIES)
def test_branches_that_differ_are_cannot_verify_naming_the_condition(prop: str) -> None:
    setter, bad, _, good, rule, resource = PROPERTIES[prop]
    app = with_condition()
    setter(app, fn_if("IsProd", bad, good))
    report = app.analyze()
    assert rule_ids(report) == [rule], describe(report)
    finding = one(report, rule, Severity.WARNING, resource)
    assert finding.message.startswith("Cannot verify: it depends on deploy-time condition IsProd:")
    assert "when IsProd is true, " in finding.message
    assert finding.message.endswith("when IsProd is false, it passes.")


def test_exec_enabled_in_one_branch_only() -> None:
    app = with_condition()
    app.props("Service")["EnableExecuteCommand"] = fn_if("IsProd", True, False)
    set_readonly(app, True)
    report = app.analyze()
    finding = one(report, "EcsExec-CTR1", Severity.WARNING, "TaskDef")
    assert "when IsProd is false, it passes" in finding.message
    app.props("Service")["EnableExecuteCommand"] = fn_if("IsProd", True, True)
    one(app.analyze(), "EcsExec-CTR1", Severity.ERROR, "TaskDef")


def test_unknown_branch_is_cannot_verify_in_that_branch() -> None:
    app = with_condition()
    set_subnets(app, fn_if("IsProd", [ref("PrivateSubnet")], [import_value("Shared:Subnet")]))
    finding = one(app.analyze(), "EcsExec-NET7", Severity.WARNING, "Service")
    assert "when IsProd is false, cannot verify: " in finding.message
    assert "Shared:Subnet" in finding.message


def test_contradictory_branches_are_skipped() -> None:
    """NotProd is !Not IsProd: the branch where both hold does not exist."""
    app = with_condition()
    app.conditions["NotProd"] = {"Fn::Not": [{"Condition": "IsProd"}]}
    set_readonly(app, fn_if("IsProd", False, True))
    set_platform(app, fn_if("NotProd", "1.3.0", "LATEST"))
    report = app.analyze()
    # Both failures hold exactly when IsProd is false, never together with a passing branch.
    ctr1, plt1 = exactly(report, ("EcsExec-CTR1", Severity.WARNING, "TaskDef"),
                         ("EcsExec-PLT1", Severity.WARNING, "Service"))
    for finding in (ctr1, plt1):
        # Two branches, not four: one condition's value names each.
        assert finding.message.endswith("when NotProd is false, it passes."), finding.message
        assert "when NotProd is true, " in finding.message and " and " not in finding.message


def test_conditions_beyond_the_limit_stay_unknown() -> None:
    app = with_condition()
    names = [f"C{i}" for i in range(MAX_CONDITIONS + 1)]
    for name in names:
        app.conditions[name] = {"Fn::Equals": [ref("Env"), name]}
    set_platform(app, fn_if(names[0], "LATEST", "1.4.0"))
    set_readonly(app, fn_if(names[1], False, False))
    app.props("Service")["DesiredCount"] = fn_if(names[2], 1, 2)
    app.props("TaskDef")["Cpu"] = fn_if(names[2], "256", "512")
    app.props("Cluster")["ClusterName"] = fn_if(names[1], "a", "b")
    app.props("TaskDef")["PidMode"] = fn_if(names[0], {"Ref": "AWS::NoValue"}, "host")
    app.props("Service")["LaunchType"] = fn_if(names[2], "FARGATE", "FARGATE")
    app.props("TaskDef")["NetworkMode"] = fn_if(names[1], "awsvpc", "awsvpc")
    app.props("TaskDef")["Memory"] = fn_if(names[2], "512", "1024")
    app.container()["User"] = fn_if(names[3], {"Ref": "AWS::NoValue"}, "1000")
    report = app.analyze()
    # C3 is the fourth condition met: its Fn::If stays "decided at deploy time".
    finding = one(report, "EcsExec-CTR4", Severity.WARNING, "TaskDef")
    assert "Fn::If" in finding.message or "C3" in finding.message


def test_condition_of_another_template_is_named_with_it() -> None:
    tasks = exec_app("Tasks")
    tasks.remove("Service")
    tasks.parameters["Env"] = {"Type": "String"}
    tasks.conditions["IsProd"] = {"Fn::Equals": [ref("Env"), "prod"]}
    tasks.container()["ReadonlyRootFilesystem"] = fn_if("IsProd", True, False)
    tasks.export("Tasks:TaskDef", ref("TaskDef"))
    app = exec_app()
    app.parameters["Env"] = {"Type": "String"}
    app.conditions["Public"] = {"Fn::Equals": [ref("Env"), "demo"]}
    app.remove("TaskDef")
    app.props("Service")["TaskDefinition"] = import_value("Tasks:TaskDef")
    set_platform(app, fn_if("Public", "1.3.0", "LATEST"))
    report = app.analyze(tasks)
    ctr1, plt1 = exactly(report, ("EcsExec-CTR1", Severity.WARNING, "TaskDef"),
                         ("EcsExec-PLT1", Severity.WARNING, "Service"))
    assert "when IsProd is true, Container(s) app of TaskDef" in ctr1.message
    assert "Public is true" in plt1.message and "IsProd of Tasks.template.json" not in plt1.message
