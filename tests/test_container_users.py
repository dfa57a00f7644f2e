"""CTR4 over every container of a task definition: which User values are root (the user part
before the first ":" is empty, 0 or root), and the message naming the others in order (issue
15: mutation testing)."""

from __future__ import annotations

from cfn import container, exec_app, one

from ecs_exec_guard.analysis import Severity

USERS = {
    "empty-user": ":1000",  # no user part: the image's default user (root)
    "root-extra": "root:wheel:x",  # only the part before the first ":" is the user
    "uid": "1000",
    "named": "app:app",
    "padded": " 0 ",
    "gid-zero": "1000:0",
}


def test_ctr4_names_every_non_root_container_in_order() -> None:
    app = exec_app()
    app.props("TaskDef")["ContainerDefinitions"] = [
        container(name, User=user) for name, user in USERS.items()]
    f = one(app.analyze(), "EcsExec-CTR4", Severity.WARNING, "TaskDef")
    assert f.message == (
        "Container(s) uid (User 1000), named (User app:app), gid-zero (User 1000:0) of TaskDef "
        "run as a non-root user, but exec sessions run as root.")
