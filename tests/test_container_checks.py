"""CTR1-CTR3 over several containers of one task definition (named or by position, keys in
either case), and the containers declared for exec in the task definition's metadata (issue
15: mutation testing)."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import Template, arn, container, exec_app

from ecs_exec_guard.analysis.model import EXEC_CONTAINERS_METADATA

CTR3_FILES = (
    "Cannot verify: TaskDef loads environment files {}: static AWS credentials "
    "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) there would override the task role for exec, "
    "and the files cannot be read at synth time.")


def app_with_containers() -> Template:
    app = exec_app()
    app.parameters["ReadOnly"] = {"Type": "String"}
    app.add("Bucket", "AWS::S3::Bucket")
    app.props("TaskDef")["ContainerDefinitions"] = [
        container("a", ReadonlyRootFilesystem=True, Environment=[
            {"Name": "aws_access_key_id", "Value": "x"}, {"Name": "OTHER", "Value": "y"}]),
        {"Image": "x", "ReadonlyRootFilesystem": "true",
         "Secrets": [{"Name": "AWS_SECRET_ACCESS_KEY", "ValueFrom": "arn"}],
         "LinuxParameters": {"initProcessEnabled": True}},
        container("c", ReadonlyRootFilesystem={"Ref": "ReadOnly"},
                  LinuxParameters={"InitProcessEnabled": False}, EnvironmentFiles=[
                      {"Type": "s3", "Value": {"Fn::Join": ["", [arn("Bucket"), "/env"]]}},
                      {"Type": "s3", "Value": "arn:aws:s3:::b/x.env"}]),
        container("d", ReadonlyRootFilesystem=False, LinuxParameters=None,
                  Environment=[{"Name": "AWS_ACCESS_KEY", "Value": "k"}]),
        "not a container",
    ]
    return app


ALL = [
    ("EcsExec-CTR1", "error", "Container(s) a, #1 of TaskDef have a read-only root filesystem; "
                              "the exec agent cannot start in them."),
    ("EcsExec-CTR1", "warning", "Cannot verify: ReadonlyRootFilesystem of container(s) c of "
                                "TaskDef cannot be resolved."),
    ("EcsExec-CTR2", "warning", "Container(s) c, d of TaskDef do not enable the init process "
                                "(LinuxParameters.InitProcessEnabled)."),
    ("EcsExec-CTR3", "warning", "TaskDef sets static AWS credentials: aws_access_key_id in "
                                "Environment of a, AWS_SECRET_ACCESS_KEY in Secrets of #1, "
                                "AWS_ACCESS_KEY in Environment of d."),
    ("EcsExec-CTR3", "warning", CTR3_FILES.format(
        "arn:${AWS::Partition}:s3:::Bucket/env (c), arn:aws:s3:::b/x.env (c)")),
]


def summary(app: Template) -> list[tuple[str, str, str]]:
    findings = app.analyze().findings
    assert {f.logical_id for f in findings} <= {"TaskDef"}
    return [(f.rule_id, f.severity.value, f.message) for f in findings]


def test_every_container_is_checked() -> None:
    app = app_with_containers()
    assert summary(app) == ALL
    files = [f for f in app.analyze().findings if f.message.startswith("Cannot verify: TaskDef")]
    assert [f.fix for f in files] == [
        "Keep AWS credentials out of the environment files (the task role provides them) and "
        "acknowledge this finding with that reason."]


def reworded(index: int, message: str) -> tuple[str, str, str]:
    """ALL[index] with another message."""
    rule_id, severity, _ = ALL[index]
    return rule_id, severity, message


@pytest.mark.parametrize(
    ("declared", "expected"),
    [(["d"], [reworded(2, "Container(s) d of TaskDef do not enable the init process "
                          "(LinuxParameters.InitProcessEnabled)."),
              reworded(3, "TaskDef sets static AWS credentials: AWS_ACCESS_KEY in "
                          "Environment of d.")]),
     (["#1", "a"], [ALL[0], reworded(3, "TaskDef sets static AWS credentials: "
                                         "aws_access_key_id in Environment of a, "
                                         "AWS_SECRET_ACCESS_KEY in Secrets of #1.")]),
     # a declaration that names no container of the task definition: all are checked
     (["nope"], ALL),
     # a declaration that is not a list of names is no declaration
     ("d", ALL), (["d", 1], ALL)],
)
def test_only_the_containers_declared_for_exec(declared: Any, expected: list[Any]) -> None:
    app = app_with_containers()
    app.resources["TaskDef"]["Metadata"] = {EXEC_CONTAINERS_METADATA: declared}
    assert summary(app) == expected
