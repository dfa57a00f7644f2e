"""Task role rules: IAM1 (a task role), IAM2 (the four ssmmessages actions), IAM3 (logging and
KMS permissions for the cluster's exec configuration) and IAM4 (cannot verify)."""

from __future__ import annotations

from typing import Any

import pytest
from cfn import (
    EXEC_ACTIONS,
    Template,
    allow,
    arn,
    aws_managed,
    clean,
    deny,
    document,
    exactly,
    exec_app,
    fn_if,
    import_value,
    one,
    ref,
    sub,
)

from ecs_exec_guard.analysis import Severity

IAM = ("EcsExec-IAM1", "EcsExec-IAM2", "EcsExec-IAM3", "EcsExec-IAM4")
SSM_CORE = "AmazonSSMManagedInstanceCore"


def with_task_policy(*statements: dict[str, Any]) -> Template:
    """The compliant app with the task role's default policy replaced by ``statements``."""
    app = exec_app()
    app.props("TaskRoleDefaultPolicy")["PolicyDocument"] = document(*statements)
    return app


def without_task_policy() -> Template:
    app = exec_app()
    app.remove("TaskRoleDefaultPolicy")
    return app


def deploy_time_condition(app: Template, name: str = "IsProd") -> str:
    app.parameters["Env"] = {"Type": "String", "Default": "dev"}
    app.conditions[name] = {"Fn::Equals": [ref("Env"), "prod"]}
    return name


# -- IAM1 ------------------------------------------------------------------------------------


def test_iam1_task_definition_without_task_role() -> None:
    app = exec_app()
    del app.props("TaskDef")["TaskRoleArn"]
    report = app.analyze()
    f = one(report, "EcsExec-IAM1", Severity.ERROR, "TaskDef")
    assert not f.unverified


def test_iam1_not_reported_with_a_task_role() -> None:
    clean(exec_app().analyze())


def test_iam1_not_reported_when_exec_is_off() -> None:
    app = exec_app()
    del app.props("TaskDef")["TaskRoleArn"]
    app.props("Service")["EnableExecuteCommand"] = False
    assert app.analyze().findings == []


# -- IAM2: what allows ----------------------------------------------------------------------

ALLOWING: dict[str, list[dict[str, Any]]] = {
    "star": [allow("*")],
    "service wildcard": [allow("ssmmessages:*")],
    "mixed-case wildcards": [allow(["SSMMessages:create*", "ssmmessages:OPEN*"])],
    "question mark": [allow(["ssmmessages:?reate*Channel", "ssmmessages:Open????*"])],
    "one action per statement": [allow(a) for a in EXEC_ACTIONS],
    "NotAction of another service": [
        {"Effect": "Allow", "NotAction": ["s3:*", "iam:*"], "Resource": "*"}
    ],
    "Deny of another action": [allow("ssmmessages:*"), deny("ssmmessages:Delete*")],
    "Deny on another resource": [allow("*"), deny("*", "arn:aws:s3:::secrets/*")],
    "Deny NotAction covering ssmmessages": [
        allow("ssmmessages:*"),
        {"Effect": "Deny", "NotAction": ["ssmmessages:*", "s3:*"], "Resource": "*"},
    ],
}


@pytest.mark.parametrize("statements", ALLOWING.values(), ids=ALLOWING.keys())
def test_iam2_statements_that_allow_exec(statements: list[dict[str, Any]]) -> None:
    clean(with_task_policy(*statements).analyze())


def test_iam2_inline_policy_on_the_role() -> None:
    app = without_task_policy()
    app.props("TaskRole")["Policies"] = [
        {"PolicyName": "exec", "PolicyDocument": document(allow(EXEC_ACTIONS))}
    ]
    clean(app.analyze())


def test_iam2_managed_policy_of_the_template_attached_through_roles() -> None:
    app = without_task_policy()
    app.managed_policy("ExecPolicy", allow("ssmmessages:*"), Roles=[ref("TaskRole")])
    clean(app.analyze())


def test_iam2_managed_policy_of_the_template_in_managed_policy_arns() -> None:
    app = without_task_policy()
    app.managed_policy("ExecPolicy", allow("ssmmessages:*"))
    app.props("TaskRole")["ManagedPolicyArns"] = [ref("ExecPolicy")]
    clean(app.analyze())


def test_iam2_role_policy_resource() -> None:
    app = without_task_policy()
    app.add("ExecRolePolicy", "AWS::IAM::RolePolicy", RoleName=ref("TaskRole"),
            PolicyName="exec", PolicyDocument=document(allow(EXEC_ACTIONS)))
    clean(app.analyze())


@pytest.mark.parametrize(
    "managed_arn",
    [
        f"arn:aws:iam::aws:policy/{SSM_CORE}",
        aws_managed(SSM_CORE),  # arn:${AWS::Partition}:... as CDK writes it
        sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{SSM_CORE}"),
        "arn:aws:iam::aws:policy/AdministratorAccess",
        aws_managed("PowerUserAccess"),
    ],
    ids=["SSMCore literal", "SSMCore Fn::Join", "SSMCore Fn::Sub", "Admin", "PowerUser"],
)
def test_iam2_known_aws_managed_policies_allow(managed_arn: Any) -> None:
    app = without_task_policy()
    app.props("TaskRole")["ManagedPolicyArns"] = [managed_arn]
    clean(app.analyze())


def test_iam2_permissions_boundary_that_allows() -> None:
    app = exec_app()
    app.managed_policy("Boundary", allow(["ssmmessages:*", "s3:*"]))
    app.props("TaskRole")["PermissionsBoundary"] = ref("Boundary")
    clean(app.analyze())


# -- IAM2: what does not --------------------------------------------------------------------

NOT_ALLOWING: dict[str, tuple[list[dict[str, Any]], list[str]]] = {
    "another service": ([allow("s3:GetObject")], EXEC_ACTIONS),
    "only Open*": ([allow("ssmmessages:Open*")], EXEC_ACTIONS[:2]),
    "mixed-case only open": ([allow("SSMMESSAGES:open*")], EXEC_ACTIONS[:2]),
    "a lookalike prefix": ([allow("ssm:*")], EXEC_ACTIONS),
    "NotAction of ssmmessages": (
        [{"Effect": "Allow", "NotAction": "ssmmessages:*", "Resource": "*"}], EXEC_ACTIONS
    ),
    "explicit Deny wins": (
        [allow("*"), deny("ssmmessages:OpenDataChannel")], ["ssmmessages:OpenDataChannel"]
    ),
    "Deny with a wildcard in mixed case": (
        [allow("ssmmessages:*"), deny("SsmMessages:Create*")], EXEC_ACTIONS[:2]
    ),
    "Deny NotAction": (
        [allow("*"), {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}], EXEC_ACTIONS
    ),
}


@pytest.mark.parametrize(
    ("statements", "missing"), NOT_ALLOWING.values(), ids=NOT_ALLOWING.keys()
)
def test_iam2_statements_that_do_not_allow_exec(
    statements: list[dict[str, Any]], missing: list[str]
) -> None:
    report = with_task_policy(*statements).analyze()
    f = one(report, "EcsExec-IAM2", Severity.ERROR, "TaskRole")
    for action in EXEC_ACTIONS:
        assert (action in f.message) == (action in missing), f.message


def test_iam2_deny_in_a_separate_policy_wins() -> None:
    app = exec_app()
    app.policy("Guardrail", deny("ssmmessages:*"))
    report = app.analyze()
    f = one(report, "EcsExec-IAM2", Severity.ERROR, "TaskRole")
    assert "explicitly denied in Guardrail" in f.message


def test_iam2_no_policy_at_all() -> None:
    one(without_task_policy().analyze(), "EcsExec-IAM2", Severity.ERROR, "TaskRole")


def test_iam2_execution_role_policy_attached_to_the_task_role_grants_nothing() -> None:
    app = without_task_policy()
    app.props("TaskRole")["ManagedPolicyArns"] = [
        aws_managed("service-role/AmazonECSTaskExecutionRolePolicy")
    ]
    one(app.analyze(), "EcsExec-IAM2", Severity.ERROR, "TaskRole")


def test_iam2_exec_permissions_on_the_execution_role_do_not_count() -> None:
    app = exec_app()
    app.props("TaskRoleDefaultPolicy")["Roles"] = [ref("ExecutionRole")]
    one(app.analyze(), "EcsExec-IAM2", Severity.ERROR, "TaskRole")


def test_iam2_permissions_boundary_lacking_the_actions() -> None:
    app = exec_app()
    app.managed_policy("Boundary", allow(["s3:*", "logs:*"]))
    app.props("TaskRole")["PermissionsBoundary"] = ref("Boundary")
    report = app.analyze()
    f = one(report, "EcsExec-IAM2", Severity.ERROR, "TaskRole")
    assert "permissions boundary" in f.message


def test_iam2_permissions_boundary_with_a_deny() -> None:
    app = exec_app()
    app.managed_policy("Boundary", allow("*"), deny("ssmmessages:OpenDataChannel"))
    app.props("TaskRole")["PermissionsBoundary"] = ref("Boundary")
    # The boundary is also a managed policy that allows ssm:StartSession and
    # ecs:ExecuteCommand on "*" (ACC1, ACC2): a boundary is attached to no one.
    f, *_ = exactly(app.analyze(), ("EcsExec-IAM2", Severity.ERROR, "TaskRole"),
                    ("EcsExec-ACC1", Severity.WARNING, "Boundary"),
                    ("EcsExec-ACC2", Severity.WARNING, "Boundary"))
    assert "OpenDataChannel" in f.message and "CreateControlChannel" not in f.message


def test_iam2_reported_once_per_role_shared_by_two_task_definitions() -> None:
    app = with_task_policy(allow("s3:*"))
    app.task_definition("TaskDef2", task_role=arn("TaskRole"))
    app.service("Service2", task_definition="TaskDef2")
    one(app.analyze(), "EcsExec-IAM2", Severity.ERROR, "TaskRole")


# -- IAM4: cannot verify --------------------------------------------------------------------


def test_iam4_deny_under_a_condition() -> None:
    report = with_task_policy(
        allow("ssmmessages:*"),
        deny("ssmmessages:*", Condition={"Bool": {"aws:SecureTransport": "false"}}),
    ).analyze()
    f = one(report, "EcsExec-IAM4", Severity.WARNING, "TaskDef")
    assert f.unverified and "Condition" in f.message


def test_iam4_allow_only_under_a_condition() -> None:
    report = with_task_policy(
        allow("ssmmessages:*", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})
    ).analyze()
    f = one(report, "EcsExec-IAM4", Severity.WARNING, "TaskDef")
    assert "only holds under a Condition" in f.message


def test_iam4_not_reported_when_an_unconditional_allow_also_exists() -> None:
    report = with_task_policy(
        allow("ssmmessages:*"),
        allow("ssmmessages:*", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}),
    ).analyze()
    clean(report)


def test_iam4_unknown_aws_managed_policy() -> None:
    app = without_task_policy()
    app.props("TaskRole")["ManagedPolicyArns"] = [aws_managed("AmazonEcsExecFromTheFuture")]
    report = app.analyze()
    f = one(report, "EcsExec-IAM4", Severity.WARNING, "TaskDef")
    assert "AmazonEcsExecFromTheFuture is not an AWS managed policy of the" in f.message


def test_iam4_customer_managed_policy_outside_the_input() -> None:
    app = without_task_policy()
    app.props("TaskRole")["ManagedPolicyArns"] = ["arn:aws:iam::123456789012:policy/Exec"]
    one(app.analyze(), "EcsExec-IAM4", Severity.WARNING, "TaskDef")


def test_iam4_permissions_boundary_outside_the_input() -> None:
    app = exec_app()
    app.props("TaskRole")["PermissionsBoundary"] = "arn:aws:iam::123456789012:policy/Boundary"
    report = app.analyze()
    f = one(report, "EcsExec-IAM4", Severity.WARNING, "TaskDef")
    assert "permissions boundary" in f.message


def test_iam4_imported_role_arn() -> None:
    app = exec_app()
    app.props("TaskDef")["TaskRoleArn"] = "arn:aws:iam::123456789012:role/Imported"
    report = app.analyze()
    f = one(report, "EcsExec-IAM4", Severity.WARNING, "TaskDef")
    assert "arn:aws:iam::123456789012:role/Imported" in f.message


def test_iam4_role_name_of_a_role_in_the_template_is_not_imported() -> None:
    app = exec_app()
    app.props("TaskRole")["RoleName"] = "app-task-role"
    app.props("TaskDef")["TaskRoleArn"] = "arn:aws:iam::123456789012:role/app-task-role"
    clean(app.analyze())


def test_iam4_task_role_behind_fn_if() -> None:
    app = exec_app()
    cond = deploy_time_condition(app)
    app.props("TaskDef")["TaskRoleArn"] = fn_if(cond, arn("TaskRole"), arn("ExecutionRole"))
    report = app.analyze()
    # Each branch is evaluated: the ExecutionRole branch fails, the TaskRole branch passes.
    f = one(report, "EcsExec-IAM2", Severity.WARNING, "ExecutionRole")
    assert f.message.startswith("Cannot verify: it depends on deploy-time condition IsProd: ")
    assert "when IsProd is false, Task role ExecutionRole of TaskDef does not allow" in f.message
    assert f.message.endswith("when IsProd is true, it passes.")


def test_fn_if_on_a_condition_known_at_synth_time_resolves() -> None:
    app = exec_app()
    app.conditions["Always"] = {"Fn::Equals": ["a", "a"]}
    app.props("TaskDef")["TaskRoleArn"] = fn_if("Always", arn("TaskRole"), arn("ExecutionRole"))
    clean(app.analyze())
    app.props("TaskDef")["TaskRoleArn"] = fn_if("Always", arn("ExecutionRole"), arn("TaskRole"))
    one(app.analyze(), "EcsExec-IAM2", Severity.ERROR, "ExecutionRole")


def test_iam4_policy_document_behind_fn_if() -> None:
    app = exec_app()
    cond = deploy_time_condition(app)
    app.props("TaskRoleDefaultPolicy")["PolicyDocument"] = fn_if(
        cond, document(allow("ssmmessages:*")), document(allow("s3:*"))
    )
    report = app.analyze()
    f = one(report, "EcsExec-IAM2", Severity.WARNING, "TaskRole")
    assert "when IsProd is false, Task role TaskRole of TaskDef does not allow" in f.message


def test_iam4_task_definition_outside_the_input() -> None:
    app = exec_app()
    app.props("Service")["TaskDefinition"] = (
        "arn:aws:ecs:eu-west-1:123456789012:task-definition/x:1"
    )
    # Without the task definition, neither the role nor the network mode is known.
    f, _ = exactly(app.analyze(), ("EcsExec-IAM4", Severity.WARNING, "Service"),
                   ("EcsExec-NET7", Severity.WARNING, "Service"))
    assert "not in the input" in f.message


# -- cross-template roles --------------------------------------------------------------------


def split_role(*statements: dict[str, Any]) -> tuple[Template, Template]:
    """The task role and its policy in a Roles template, imported by the app."""
    roles = Template("Roles")
    roles.role("SharedRole")
    roles.policy("SharedRolePolicy", *statements, roles=["SharedRole"])
    roles.export("Roles:SharedRoleArn", arn("SharedRole"))
    app = exec_app()
    app.remove("TaskRole", "TaskRoleDefaultPolicy")
    app.props("TaskDef")["TaskRoleArn"] = import_value("Roles:SharedRoleArn")
    return roles, app


def test_role_imported_from_another_template_of_the_input_is_checked() -> None:
    roles, app = split_role(allow(EXEC_ACTIONS))
    clean(app.analyze(roles))


def test_iam2_on_a_role_in_another_template() -> None:
    roles, app = split_role(allow("s3:*"))
    f = one(app.analyze(roles), "EcsExec-IAM2", Severity.ERROR, "SharedRole")
    assert f.template == "Roles.template.json"


def test_iam4_when_the_exporting_template_is_not_in_the_input() -> None:
    _, app = split_role(allow(EXEC_ACTIONS))
    f = one(app.analyze(), "EcsExec-IAM4", Severity.WARNING, "TaskDef")
    assert "Roles:SharedRoleArn" in f.message


# -- IAM3: exec logging and KMS permissions -------------------------------------------------


def logging_app(**log_configuration: Any) -> Template:
    """The compliant app whose cluster logs exec sessions as given (Logging OVERRIDE)."""
    app = exec_app()
    app.add("ExecLogs", "AWS::Logs::LogGroup", RetentionInDays=30)
    app.add("ExecBucket", "AWS::S3::Bucket")
    app.add("ExecKey", "AWS::KMS::Key", KeyPolicy=document(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": "kms:*", "Resource": "*"}))
    cfg: dict[str, Any] = {"Logging": "OVERRIDE", "LogConfiguration": log_configuration}
    if log_configuration.pop("kms", False):
        cfg["KmsKeyId"] = arn("ExecKey")
    if not log_configuration:
        del cfg["LogConfiguration"]
        cfg["Logging"] = "DEFAULT"
    app.props("Cluster")["Configuration"] = {"ExecuteCommandConfiguration": cfg}
    return app


CLOUDWATCH = {"CloudWatchLogGroupName": ref("ExecLogs")}
S3 = {"S3BucketName": ref("ExecBucket"), "S3KeyPrefix": "exec"}
LOG_STATEMENTS = [
    allow("logs:DescribeLogGroups"),
    allow(["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
          arn("ExecLogs")),
]
S3_STATEMENTS = [
    allow("s3:GetBucketLocation"),
    allow("s3:PutObject", sub("${ExecBucket.Arn}/exec/*")),
]


def test_iam3_cloudwatch_logging_without_logs_permissions() -> None:
    report = logging_app(**CLOUDWATCH).analyze()
    f = one(report, "EcsExec-IAM3", Severity.ERROR, "TaskRole")
    assert "logs:DescribeLogGroups" in f.message and "logs:PutLogEvents" in f.message


def test_iam3_cloudwatch_logging_with_logs_permissions() -> None:
    app = logging_app(**CLOUDWATCH)
    app.task_policy()["Statement"].extend(LOG_STATEMENTS)
    clean(app.analyze())


def test_iam3_log_group_arn_written_with_fn_sub_and_pseudo_parameters() -> None:
    app = logging_app(**CLOUDWATCH)
    app.task_policy()["Statement"].extend([
        allow("logs:DescribeLogGroups"),
        allow("logs:*", sub(
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${ExecLogs}:*"
        )),
    ])
    clean(app.analyze())


def test_iam3_log_permissions_on_another_log_group() -> None:
    app = logging_app(**CLOUDWATCH)
    app.add("OtherLogs", "AWS::Logs::LogGroup")
    app.task_policy()["Statement"].extend([
        allow("logs:DescribeLogGroups"), allow("logs:*", arn("OtherLogs"))])
    f = one(app.analyze(), "EcsExec-IAM3", Severity.ERROR, "TaskRole")
    assert "logs:DescribeLogGroups" not in f.message and "logs:PutLogEvents" in f.message


def test_iam3_s3_logging_without_s3_permissions() -> None:
    f = one(logging_app(**S3).analyze(), "EcsExec-IAM3", Severity.ERROR, "TaskRole")
    assert "s3:PutObject" in f.message and "s3:GetBucketLocation" in f.message


def test_iam3_s3_logging_with_s3_permissions() -> None:
    app = logging_app(**S3)
    app.task_policy()["Statement"].extend(S3_STATEMENTS)
    clean(app.analyze())


def test_iam3_s3_encryption_needs_get_encryption_configuration() -> None:
    app = logging_app(**S3, S3EncryptionEnabled=True)
    app.task_policy()["Statement"].extend(S3_STATEMENTS)
    f = one(app.analyze(), "EcsExec-IAM3", Severity.ERROR, "TaskRole")
    assert "s3:GetEncryptionConfiguration" in f.message
    app.task_policy()["Statement"].append(allow("s3:GetEncryptionConfiguration",
                                                arn("ExecBucket")))
    clean(app.analyze())


def test_iam3_kms_key_without_decrypt() -> None:
    app = logging_app(**CLOUDWATCH, kms=True)
    app.task_policy()["Statement"].extend(LOG_STATEMENTS)
    f = one(app.analyze(), "EcsExec-IAM3", Severity.ERROR, "TaskRole")
    assert "kms:Decrypt" in f.message and "logs:" not in f.message


def test_iam3_kms_key_with_decrypt_on_the_key() -> None:
    app = logging_app(**CLOUDWATCH, kms=True)
    app.task_policy()["Statement"].extend([*LOG_STATEMENTS, allow("kms:Decrypt", arn("ExecKey"))])
    clean(app.analyze())


def test_iam3_kms_decrypt_granted_by_the_key_policy() -> None:
    app = logging_app(**CLOUDWATCH, kms=True)
    app.task_policy()["Statement"].extend(LOG_STATEMENTS)
    app.props("ExecKey")["KeyPolicy"]["Statement"].append(
        {"Effect": "Allow", "Principal": {"AWS": arn("TaskRole")}, "Action": "kms:Decrypt",
         "Resource": "*"})
    clean(app.analyze())


def test_iam3_not_reported_for_default_logging() -> None:
    clean(logging_app().analyze())


def test_iam4_log_group_name_behind_fn_if() -> None:
    app = logging_app(**CLOUDWATCH)
    cond = deploy_time_condition(app)
    app.props("Cluster")["Configuration"]["ExecuteCommandConfiguration"]["LogConfiguration"][
        "CloudWatchLogGroupName"] = fn_if(cond, ref("ExecLogs"), "other")
    app.task_policy()["Statement"].extend(LOG_STATEMENTS)
    report = app.analyze()
    f = one(report, "EcsExec-IAM3", Severity.WARNING, "TaskRole")
    assert "when IsProd is false, Cluster Cluster " in f.message
    assert "log-group:other:" in f.message and f.message.endswith("when IsProd is true, it passes.")


def test_iam4_log_permissions_on_an_arn_with_a_literal_partition_and_account() -> None:
    """``arn:aws:logs:eu-west-1:123456789012:...`` may or may not be the stack's log group."""
    app = logging_app(CloudWatchLogGroupName="exec-logs")
    app.task_policy()["Statement"].extend([
        allow("logs:DescribeLogGroups"),
        allow("logs:*", "arn:aws:logs:eu-west-1:123456789012:log-group:exec-logs:*"),
    ])
    report = app.analyze()
    f = one(report, "EcsExec-IAM4", Severity.WARNING, "TaskDef")
    assert "logs:PutLogEvents" in f.message


def test_iam3_log_permissions_on_another_literal_log_group() -> None:
    app = logging_app(CloudWatchLogGroupName="exec-logs")
    app.task_policy()["Statement"].extend([
        allow("logs:DescribeLogGroups"),
        allow("logs:*", "arn:aws:logs:*:*:log-group:other-logs:*"),
    ])
    one(app.analyze(), "EcsExec-IAM3", Severity.ERROR, "TaskRole")


KMS_ARN_BY_SUB = sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${ExecKey}")


@pytest.mark.parametrize(
    ("kms_key_id", "decrypt_on"),
    [
        (arn("ExecKey"), arn("ExecKey")),
        (ref("ExecKey"), arn("ExecKey")),  # the key ID; the policy names the key ARN
        (ref("ExecKey"), KMS_ARN_BY_SUB),
        (arn("ExecKey"), KMS_ARN_BY_SUB),
        (ref("ExecKey"), "*"),
    ],
    ids=["arn/arn", "id/arn", "id/sub", "arn/sub", "id/star"],
)
def test_iam3_kms_key_id_or_arn_matches_the_policy(kms_key_id: Any, decrypt_on: Any) -> None:
    app = logging_app(**CLOUDWATCH, kms=True)
    app.props("Cluster")["Configuration"]["ExecuteCommandConfiguration"]["KmsKeyId"] = kms_key_id
    app.task_policy()["Statement"].extend([*LOG_STATEMENTS, allow("kms:Decrypt", decrypt_on)])
    clean(app.analyze())


def test_iam3_kms_decrypt_on_another_key() -> None:
    app = logging_app(**CLOUDWATCH, kms=True)
    app.props("Cluster")["Configuration"]["ExecuteCommandConfiguration"]["KmsKeyId"] = ref(
        "ExecKey")
    app.add("OtherKey", "AWS::KMS::Key", KeyPolicy=document())
    app.task_policy()["Statement"].extend([*LOG_STATEMENTS, allow("kms:Decrypt", arn("OtherKey"))])
    f = one(app.analyze(), "EcsExec-IAM3", Severity.ERROR, "TaskRole")
    assert "kms:Decrypt" in f.message


@pytest.mark.parametrize(
    "kms_key_id",
    ["alias/exec-sessions", "arn:aws:kms:eu-west-1:123456789012:alias/exec-sessions",
     "1234abcd-12ab-34cd-56ef-1234567890ab"],
    ids=["alias", "alias arn", "literal key id"],
)
def test_iam4_kms_key_named_by_alias_or_literal_id(kms_key_id: str) -> None:
    app = logging_app(**CLOUDWATCH, kms=True)
    app.props("Cluster")["Configuration"]["ExecuteCommandConfiguration"]["KmsKeyId"] = kms_key_id
    app.task_policy()["Statement"].extend([
        *LOG_STATEMENTS,
        allow("kms:Decrypt", "arn:aws:kms:eu-west-1:123456789012:key/"
                             "1234abcd-12ab-34cd-56ef-1234567890ab")])
    report = app.analyze()
    f = one(report, "EcsExec-IAM4", Severity.WARNING, "TaskDef")
    assert "kms:Decrypt" in f.message


def test_iam3_kms_key_from_a_parameter_matches_the_same_parameter() -> None:
    app = logging_app(**CLOUDWATCH, kms=True)
    app.parameters["ExecKeyArn"] = {"Type": "String"}
    app.props("Cluster")["Configuration"]["ExecuteCommandConfiguration"]["KmsKeyId"] = ref(
        "ExecKeyArn")
    app.task_policy()["Statement"].extend([*LOG_STATEMENTS,
                                           allow("kms:Decrypt", ref("ExecKeyArn"))])
    clean(app.analyze())
