"""`analyze`: the rules it runs (`rules=...`), the launches each finding concerns, the clusters
of the launches, and exec not required by default."""

from __future__ import annotations

from cfn import Template, exactly, exec_app, ref, run

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


def test_each_finding_names_the_launches_it_concerns() -> None:
    # Two services on one task definition, role and cluster; Other runs in the isolated
    # subnet, where the only ssmmessages endpoint is a Gateway one.
    t = exec_app()
    t.resources["Service"]["Metadata"] = {"aws:cdk:path": "App/Web/Service/Service"}
    t.service("Other", subnets=[ref("IsolatedSubnet")])
    t.container()["ReadonlyRootFilesystem"] = True
    t.remove("TaskRoleDefaultPolicy")
    t.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": {
        "Logging": "DEFAULT", "LogConfiguration": {"CloudWatchLogGroupName": "exec"}}}
    t.endpoint("GatewayEndpoint", interface=False)
    report = run(t)
    both = ("App/Web/Service/Service", "App.template.json/Other")
    assert [(f.rule_id, f.logical_id, f.launches) for f in report.findings] == [
        ("EcsExec-IAM2", "TaskRole", both),
        ("EcsExec-CTR1", "TaskDef", both),
        ("EcsExec-NET2", "Other", ("App.template.json/Other",)),
        ("EcsExec-NET5", "GatewayEndpoint", both),
        ("EcsExec-CFG1", "Cluster", both),
    ]
    assert report.launch_clusters == {
        "App/Web/Service/Service": "App.template.json/Cluster",
        "App.template.json/Other": "App.template.json/Cluster",
    }


def test_exec_is_not_required_unless_asked() -> None:
    t = exec_app()
    t.props("Service")["EnableExecuteCommand"] = False
    assert analyze({t.name: t.body()}).findings == []
