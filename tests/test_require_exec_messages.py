"""ENB1 under require_exec (issue 15: mutation testing): services (exec off, or left out) and
daemons each named in their own words; a rule's one-off runs are not asked for exec; without
require_exec nothing is reported."""

from __future__ import annotations

from cfn import arn, exec_app


def test_enb1_names_services_and_daemons() -> None:
    app = exec_app()
    app.props("Service")["EnableExecuteCommand"] = False
    app.daemon_task_definition(task_role=arn("TaskRole"))
    app.managed_instances_provider()
    app.daemon(exec_enabled=False)
    app.events_rule(exec_enabled=False)
    app.service("Service2", exec_enabled=None)
    assert [(f.rule_id, f.severity.value, f.logical_id, f.message)
            for f in app.analyze(require_exec=True).findings] == [
        ("EcsExec-ENB1", "error", "Service",
         "Service Service does not enable ECS Exec (EnableExecuteCommand)."),
        ("EcsExec-ENB1", "error", "Service2",
         "Service Service2 does not enable ECS Exec (EnableExecuteCommand)."),
        ("EcsExec-ENB1", "error", "Daemon",
         "Daemon Daemon does not enable ECS Exec (EnableExecuteCommand)."),
    ]
    assert app.analyze().findings == []
