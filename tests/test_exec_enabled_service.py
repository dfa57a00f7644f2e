"""ExecEnabledService (FIX / ENFORCE), grant_execute and ExecOperatorPolicy.

ENFORCE must fail synthesis on the construct's own error findings (and only those, and only
once); FIX must leave the analyzer nothing to report as an error. Each app is synthesized once
per module (the ``cache`` fixture) and shared by the tests; the builders live in l3_apps.py.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import l3_apps as apps
import pytest
from aws_cdk import assertions
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import IConstruct
from syrupy.extensions.json import JSONSnapshotExtension

from ecs_exec_guard.analysis import Finding, Severity, analyze
from ecs_exec_guard.analysis.loader import load_paths
from ecs_exec_guard.constructs import (
    ExecEnabledService,
    ExecLogging,
    ExecMode,
    exec_operator_statements,
)
from ecs_exec_guard.constructs.exec_enabled_service import SERVICE_TAG
from ecs_exec_guard.policies.autofix import flatten_cfn_reference

pytestmark = pytest.mark.slow

ENFORCE, FIX = ExecMode.ENFORCE, ExecMode.FIX


# -- synthesis, once per app ----------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    plugin: str
    rule: str
    severity: str
    paths: tuple[str, ...]
    description: str


@dataclass
class Synth:
    """One synthesized (or failed) app: its cdk.out, the exception, the validation report."""

    built: apps.Built
    error: Exception | None
    messages: list[tuple[str, str, str]] = field(default_factory=list)  # (level, path, text)

    @property
    def outdir(self) -> Path:
        return Path(self.built.outdir)

    @cached_property
    def templates(self) -> dict[str, dict[str, Any]]:
        return {
            p.name: json.loads(p.read_text()) for p in sorted(self.outdir.glob("*.template.json"))
        }

    @cached_property
    def violations(self) -> list[Violation]:
        path = self.outdir / "validation-report.json"
        if not path.exists():
            return []
        out = []
        for plugin in json.loads(path.read_text()).get("pluginReports", []):
            for v in plugin.get("violations", []):
                out.append(
                    Violation(
                        plugin["pluginName"],
                        v["ruleName"],
                        v["severity"],
                        tuple(c["constructPath"] for c in v.get("violatingConstructs", [])),
                        v.get("description", ""),
                    )
                )
        return out

    @cached_property
    def findings(self) -> list[Finding]:
        return analyze(load_paths([str(self.outdir)])).findings

    @property
    def errors(self) -> list[tuple[str, str | None]]:
        return sorted(
            (f.rule_id, f.construct_path) for f in self.findings if f.severity is Severity.ERROR
        )

    def resources(self, rtype: str) -> dict[str, dict[str, Any]]:
        return {
            lid: res
            for body in self.templates.values()
            for lid, res in body.get("Resources", {}).items()
            if res.get("Type") == rtype
        }

    def of(self, construct: IConstruct) -> dict[str, Any]:
        """The synthesized resource of an L1 construct (or of an L2's default child)."""
        cfn = construct if isinstance(construct, cdk.CfnResource) else construct.node.default_child
        assert isinstance(cfn, cdk.CfnResource), construct.node.path
        stack = cdk.Stack.of(cfn)
        logical_id = stack.resolve(cfn.logical_id)
        return self.templates[stack.template_file]["Resources"][logical_id]  # type: ignore[no-any-return]


class Cache:
    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._done: dict[str, Synth] = {}

    def get(self, builder: str, *args: Any, **kwargs: Any) -> Synth:
        key = json.dumps([builder, [str(a) for a in args], kwargs], sort_keys=True, default=str)
        if key not in self._done:
            outdir = self._factory.mktemp(builder)
            built: apps.Built = getattr(apps, builder)(str(outdir), *args, **kwargs)
            error: Exception | None = None
            messages: list[tuple[str, str, str]] = []
            try:
                assembly = built.app.synth()
            except RuntimeError as exc:  # jsii raises a JavaScript error as RuntimeError
                error = exc
            else:
                for stack in assembly.stacks:
                    for msg in stack.messages:
                        messages.append((msg.level.value.lower(), msg.id, str(msg.entry.data)))
            self._done[key] = Synth(built, error, messages)
        return self._done[key]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Cache:
    return Cache(tmp_path_factory)


@pytest.fixture
def snapshot_json(snapshot: Any) -> Any:
    return snapshot.use_extension(JSONSnapshotExtension)


def task_definition_path(svc: ExecEnabledService) -> str:
    child = svc.task_definition.node.default_child
    assert child is not None
    return child.node.path


def service_path(svc: ExecEnabledService) -> str:
    child = svc.service.node.default_child
    assert child is not None
    return child.node.path


def failed_validation(s: Synth) -> None:
    assert s.error is not None, "synthesis should have failed"
    assert "ValidationFailed" in str(s.error)
    assert (s.outdir / "validation-report.json").exists()


def containers(s: Synth, td_construct: IConstruct) -> dict[str, dict[str, Any]]:
    td = s.of(td_construct)
    return {c["Name"]: c for c in td["Properties"]["ContainerDefinitions"]}


# -- read-only root filesystem ---------------------------------------------------------------


def test_enforce_readonly_root_fails_naming_ctr1_and_the_task_definition(cache: Cache) -> None:
    s = cache.get("readonly_root", ENFORCE)
    failed_validation(s)
    web = s.built.services["Web"]
    errors = [v for v in s.violations if v.severity == "error"]
    assert [(v.rule, v.paths) for v in errors] == [("EcsExec-CTR1", (task_definition_path(web),))]
    assert "EcsExec-CTR1" in errors[0].description
    # ENFORCE changes nothing: the container is still read-only in the written template.
    assert containers(s, web.task_definition)["app"]["ReadonlyRootFilesystem"] is True


def test_fix_readonly_root_synthesizes_with_no_error_findings(cache: Cache) -> None:
    s = cache.get("readonly_root", FIX)
    assert s.error is None
    assert s.errors == []
    assert [v for v in s.violations if v.severity == "error"] == []
    td = s.built.services["Web"].task_definition
    assert containers(s, td)["app"]["ReadonlyRootFilesystem"] is False
    # The security trade-off is said out loud.
    warnings = [t for lvl, _, t in s.messages if lvl == "warning" and "read-only" in t]
    assert len(warnings) == 1 and "ECS.5" in warnings[0]


def test_fix_exec_containers_flips_only_the_named_container(cache: Cache) -> None:
    s = cache.get("readonly_root", FIX, containers=("a", "b"), exec_containers=["a"])
    assert s.error is None
    td = s.built.services["Web"].task_definition
    flags = {name: c["ReadonlyRootFilesystem"] for name, c in containers(s, td).items()}
    assert flags == {"a": False, "b": True}
    # b is declared not to be an exec target, so it may stay read-only without a CTR1 error.
    assert s.errors == []


def _exec_containers_app(tmp_path: Path, names: list[str]) -> tuple[cdk.App, ecs.TaskDefinition]:
    app = apps.new_app(str(tmp_path))
    stack = cdk.Stack(app, "Names")
    cluster = ecs.Cluster(stack, "Cluster", vpc=apps.nat_vpc(stack))
    td = apps.fargate_task(stack, readonly=True, init=True)
    ExecEnabledService(
        stack, "Web", cluster=cluster, task_definition=td, mode=ENFORCE, exec_containers=names
    )
    return app, td


def test_exec_containers_naming_no_container_fails_synthesis(tmp_path: Path) -> None:
    """A misspelt name must not silently exempt every container from the checks."""
    app, _ = _exec_containers_app(tmp_path, ["ap"])
    with pytest.raises(RuntimeError, match=r"exec_containers names 'ap'.*Names/Task"):
        app.synth()


def test_exec_containers_may_name_a_container_added_later(tmp_path: Path) -> None:
    app, td = _exec_containers_app(tmp_path, ["late"])
    td.add_container("late", image=ecs.ContainerImage.from_registry(apps.IMAGE), essential=False)
    template = app.synth().get_stack_by_name("Names").template  # no error: synth succeeds
    (task,) = [r for r in template["Resources"].values()
               if r["Type"] == "AWS::ECS::TaskDefinition"]
    flags = {c["Name"]: c.get("ReadonlyRootFilesystem")
             for c in task["Properties"]["ContainerDefinitions"]}
    # ENFORCE changes nothing; "app" may stay read-only as it is not an exec target.
    assert flags == {"app": True, "late": None}


# -- isolated VPC: Fargate and EC2, with and without exec logging + KMS ----------------------

ISOLATED = [
    pytest.param(launch, logging, id=f"{launch}-{'logging_kms' if logging else 'plain'}")
    for launch in ("fargate", "ec2")
    for logging in (False, True)
]


def endpoint_services(s: Synth) -> list[str]:
    return sorted(
        flatten_cfn_reference(res["Properties"]["ServiceName"]).rsplit(".", 1)[-1]
        for res in s.resources("AWS::EC2::VPCEndpoint").values()
    )


@pytest.mark.parametrize(("launch", "logging"), ISOLATED)
def test_isolated_builds_the_intended_service(cache: Cache, launch: str, logging: bool) -> None:
    s = cache.get("isolated", FIX, launch=launch, logging=logging)
    svc = s.built.services["Web"]
    expected = ecs.FargateService if launch == "fargate" else ecs.Ec2Service
    assert isinstance(svc.service, expected)
    props = s.of(svc.service)["Properties"]
    assert props["EnableExecuteCommand"] is True
    if launch == "ec2":
        assert "LaunchType" not in props and props["CapacityProviderStrategy"]
        assert s.resources("AWS::AutoScaling::AutoScalingGroup")
        assert s.resources("AWS::ECS::CapacityProvider")
    assert not s.resources("AWS::EC2::NatGateway")
    assert not s.resources("AWS::EC2::InternetGateway")


@pytest.mark.parametrize(("launch", "logging"), ISOLATED)
def test_enforce_in_an_isolated_vpc_fails_with_net2(
    cache: Cache, launch: str, logging: bool
) -> None:
    s = cache.get("isolated", ENFORCE, launch=launch, logging=logging)
    failed_validation(s)
    errors = [(v.rule, v.paths) for v in s.violations if v.severity == "error"]
    assert errors == [("EcsExec-NET2", (service_path(s.built.services["Web"]),))]
    assert s.resources("AWS::EC2::VPCEndpoint") == {}  # ENFORCE adds nothing


@pytest.mark.parametrize(("launch", "logging"), ISOLATED)
def test_fix_in_an_isolated_vpc_passes(cache: Cache, launch: str, logging: bool) -> None:
    s = cache.get("isolated", FIX, launch=launch, logging=logging)
    assert s.error is None
    assert s.errors == []
    wanted = ["kms", "logs", "ssmmessages"] if logging else ["ssmmessages"]
    assert endpoint_services(s) == wanted
    # With exec logging, the logs and kms endpoints are there: no NET6 warning either.
    assert [f.rule_id for f in s.findings if f.rule_id.startswith("EcsExec-NET")] == []


def test_exec_logging_configures_a_cluster_without_one(cache: Cache) -> None:
    s = cache.get("isolated", FIX, launch="fargate", logging=True)
    built = s.built
    (cluster,) = s.resources("AWS::ECS::Cluster").values()
    exec_cfg = cluster["Properties"]["Configuration"]["ExecuteCommandConfiguration"]
    stack = built.stack
    assert exec_cfg == {
        "Logging": "OVERRIDE",
        "LogConfiguration": {
            "CloudWatchLogGroupName": stack.resolve(built.extra["log_group"].log_group_name)
        },
        "KmsKeyId": stack.resolve(built.extra["key"].key_arn),
    }


# -- ENFORCE next to other services and next to the full pack ---------------------------------


def test_enforce_does_not_fail_for_another_non_enforced_service(cache: Cache) -> None:
    s = cache.get("service_and_other", ENFORCE, web_violates=False)
    assert s.error is None
    other_td = s.built.extra["other"].task_definition.node.default_child.node.path
    # The other service does violate CTR1: only nobody enforces it.
    assert s.errors == [("EcsExec-CTR1", other_td)]
    assert s.violations == []


def test_enforce_reports_only_its_own_findings(cache: Cache) -> None:
    s = cache.get("service_and_other", ENFORCE, web_violates=True)
    failed_validation(s)
    web_td = task_definition_path(s.built.services["Web"])
    assert [(v.rule, v.paths) for v in s.violations if v.severity == "error"] == [
        ("EcsExec-CTR1", (web_td,))
    ]


@pytest.mark.parametrize("pack_first", [True, False], ids=["pack_first", "pack_last"])
def test_enforce_stands_down_when_the_app_has_the_full_pack(
    cache: Cache, pack_first: bool
) -> None:
    s = cache.get(
        "service_and_other", ENFORCE, web_violates=True, full_pack=True, pack_first=pack_first
    )
    failed_validation(s)
    web_td = task_definition_path(s.built.services["Web"])
    other_td = s.built.extra["other"].task_definition.node.default_child.node.path
    ctr1 = sorted(v.paths for v in s.violations if v.rule == "EcsExec-CTR1")
    # One report of each finding: the full pack's (it also covers the other service).
    assert ctr1 == sorted([(web_td,), (other_td,)])
    assert len(s.violations) == len(set(s.violations))


@pytest.mark.parametrize(
    ("pack_scope", "reported"),
    [
        ("stack", ["EcsExec-CTR1"]),
        # Documented in README (Usage, Checks): CDK cannot list a stage's plugins, so a full
        # EcsExecChecks() made without a scope cannot be matched and the enforcement pack
        # reports the same finding again. Pass the app: EcsExecChecks(app).
        ("none", ["EcsExec-CTR1", "EcsExec-CTR1"]),
    ],
)
def test_enforce_stands_down_for_a_full_pack_made_with_a_scope(
    tmp_path: Path, pack_scope: str, reported: list[str]
) -> None:
    from ecs_exec_guard.policies.pack import EcsExecChecks

    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Unscoped")
    cdk.Validations.of(app).add_plugins(EcsExecChecks(stack if pack_scope == "stack" else None))
    cluster = ecs.Cluster(stack, "Cluster", vpc=apps.nat_vpc(stack))
    ExecEnabledService(
        stack, "Web", cluster=cluster,
        task_definition=apps.fargate_task(stack, readonly=True, init=True), mode=ENFORCE,
    )
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = [v["ruleName"] for p in report["pluginReports"] for v in p["violations"]]
    assert rules == reported


def test_fix_leaves_other_services_alone(cache: Cache) -> None:
    s = cache.get("service_and_other", FIX, web_violates=True)
    assert s.error is None
    other = s.built.extra["other"]
    assert containers(s, s.built.services["Web"].task_definition)["app"][
        "ReadonlyRootFilesystem"
    ] is False
    assert containers(s, other.task_definition)["app"]["ReadonlyRootFilesystem"] is True
    assert s.errors == [("EcsExec-CTR1", other.task_definition.node.default_child.node.path)]


# -- grant_execute and ExecOperatorPolicy -----------------------------------------------------


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def operator_statements(s: Synth, role: str) -> list[dict[str, Any]]:
    (policy,) = [
        r for lid, r in s.resources("AWS::IAM::Policy").items()
        if lid.startswith(f"{role}DefaultPolicy")
    ]
    return policy["Properties"]["PolicyDocument"]["Statement"]  # type: ignore[no-any-return]


def exec_statements(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        st for st in statements
        if st["Effect"] == "Allow" and "ecs:ExecuteCommand" in as_list(st["Action"])
    ]


OPERATORS = ("AppOperator", "AnyContainerOperator", "PlainOperator")


def test_operators_app_synthesizes_cleanly(cache: Cache) -> None:
    s = cache.get("operators")
    assert s.error is None
    assert s.errors == []


def test_grant_execute_never_allows_execute_command_on_star(cache: Cache) -> None:
    s = cache.get("operators")
    for policy in [*s.resources("AWS::IAM::Policy").values(),
                   *s.resources("AWS::IAM::ManagedPolicy").values()]:
        for st in policy["Properties"]["PolicyDocument"]["Statement"]:
            if "ecs:ExecuteCommand" in as_list(st["Action"]) or "ecs:*" in as_list(st["Action"]):
                assert "*" not in as_list(st["Resource"]), st
    for role in OPERATORS:
        assert exec_statements(operator_statements(s, role)), role


@pytest.mark.parametrize("role", OPERATORS)
def test_grant_execute_denies_raw_ssm_sessions(cache: Cache, role: str) -> None:
    s = cache.get("operators")
    denies = [
        st for st in operator_statements(s, role)
        if st["Effect"] == "Deny" and as_list(st["Action"]) == ["ssm:StartSession"]
    ]
    assert len(denies) == 1
    assert denies[0]["Resource"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ecs:*:*:task/*"]]
    }


def test_grant_execute_narrows_to_the_named_container(cache: Cache) -> None:
    s = cache.get("operators")
    named = exec_statements(operator_statements(s, "AppOperator"))
    assert len(named) == 2  # the cluster and its tasks
    assert all(
        st["Condition"]["StringEquals"]["ecs:container-name"] == "app" for st in named
    )
    unnamed = exec_statements(operator_statements(s, "AnyContainerOperator"))
    assert unnamed and all(
        "ecs:container-name" not in json.dumps(st.get("Condition", {})) for st in unnamed
    )


def test_grant_execute_narrows_tasks_to_the_service_tag(cache: Cache) -> None:
    s = cache.get("operators")
    web = s.built.services["Web"]
    tasks = [
        st for st in exec_statements(operator_statements(s, "AnyContainerOperator"))
        if ":task/" in json.dumps(st["Resource"])
    ]
    assert [st["Condition"]["StringEquals"] for st in tasks] == [
        {f"aws:ResourceTag/{SERVICE_TAG}": web.service_tag_value}
    ]
    # ...and the tasks carry that tag: the service propagates its tags.
    props = s.of(web.service)["Properties"]
    assert props["PropagateTags"] == "SERVICE"
    assert {"Key": SERVICE_TAG, "Value": web.service_tag_value} in props["Tags"]


def test_grant_execute_allows_generate_data_key_on_the_exec_key(cache: Cache) -> None:
    s = cache.get("operators")
    key_arn = s.built.stack.resolve(s.built.extra["key"].key_arn)
    for role in ("AppOperator", "AnyContainerOperator"):
        kms_statements = [
            st for st in operator_statements(s, role)
            if "kms:GenerateDataKey" in as_list(st["Action"])
        ]
        assert [(st["Effect"], st["Resource"]) for st in kms_statements] == [("Allow", key_arn)]
    # No key, no KMS permission.
    assert "kms:" not in json.dumps(operator_statements(s, "PlainOperator"))


def test_grant_execute_returns_a_successful_grant(cache: Cache) -> None:
    s = cache.get("operators")
    for role, grant in s.built.extra["grants"].items():
        assert grant.success, role
        actions = {a for st in grant.principal_statements for a in st.actions}
        assert "ecs:ExecuteCommand" in actions


def test_analyzer_access_rules_stay_silent(cache: Cache) -> None:
    s = cache.get("operators")
    assert [f for f in s.findings if f.rule_id in ("EcsExec-ACC1", "EcsExec-ACC2")] == []


def test_without_the_deny_acc1_would_report_the_operators(cache: Cache) -> None:
    """The operators allow ssm:StartSession on '*': grant_execute's Deny is what makes ACC1
    quiet (a control for the test above)."""
    s = cache.get("operators")
    stripped = copy.deepcopy(s.templates)
    for body in stripped.values():
        for res in body["Resources"].values():
            if res["Type"] == "AWS::IAM::Policy":
                doc = res["Properties"]["PolicyDocument"]
                doc["Statement"] = [st for st in doc["Statement"] if st["Effect"] != "Deny"]
    flagged = {f.logical_id for f in analyze(stripped, rules=["EcsExec-ACC1"]).findings}
    assert {lid.split("DefaultPolicy")[0] for lid in flagged} == set(OPERATORS)


def test_grant_execute_rejects_an_unknown_container() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Unknown")
    cluster = ecs.Cluster(stack, "Cluster", vpc=apps.nat_vpc(stack))
    svc = ExecEnabledService(
        stack, "Web", cluster=cluster, task_definition=apps.fargate_task(stack), mode=FIX
    )
    role = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    with pytest.raises(ValueError, match="no container named 'nope'"):
        svc.grant_execute(role, container_name="nope")
    assert svc.task_definition.find_container("app") is not None
    assert svc.connections.security_groups  # the service's own security group


@pytest.mark.parametrize(
    "propagate",
    [ecs.PropagatedTagSource.TASK_DEFINITION, ecs.PropagatedTagSource.NONE, None],
    ids=["task_definition", "none", "unset"],
)
def test_grant_execute_refuses_when_tasks_do_not_carry_the_service_tag(
    propagate: ecs.PropagatedTagSource | None,
) -> None:
    """The tag condition would match no task: exec would be denied with no hint why."""
    stack = cdk.Stack(cdk.App(), "Propagate")
    cluster = ecs.Cluster(stack, "Cluster", vpc=apps.nat_vpc(stack))
    svc = ExecEnabledService(
        stack, "Web", cluster=cluster, task_definition=apps.fargate_task(stack),
        propagate_tags=propagate,
    )
    role = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    with pytest.raises(ValueError, match="propagate_tags"):
        svc.grant_execute(role)


def _without_sid(statements: list[dict[str, Any]]) -> list[str]:
    return sorted(
        json.dumps({k: v for k, v in st.items() if k != "Sid"}, sort_keys=True)
        for st in statements
    )


def test_operator_policy_gives_the_same_statements_in_a_managed_policy(cache: Cache) -> None:
    s = cache.get("operators")
    managed = s.of(s.built.extra["managed"].policy)
    assert managed["Type"] == "AWS::IAM::ManagedPolicy"
    in_managed = managed["Properties"]["PolicyDocument"]["Statement"]
    granted = [
        st for st in operator_statements(s, "AppOperator")
        if not (st["Effect"] == "Allow" and st["Action"] == "ssm:StartSession")  # the role's own
    ]
    assert _without_sid(in_managed) == _without_sid(granted)
    assert {st["Sid"] for st in in_managed} >= {"EcsExecOnTasks", "DenySsmSessionsOnEcsTasks"}


def test_exec_operator_statements_without_container_or_key() -> None:
    stack = cdk.Stack(cdk.App(), "Statements")
    statements = exec_operator_statements(stack, cluster_name="c")
    resolved = [stack.resolve(st.to_statement_json()) for st in statements]
    assert [st["Sid"] for st in resolved] == [
        "EcsExecOnCluster", "EcsExecOnTasks", "EcsExecDescribeTasks", "DenySsmSessionsOnEcsTasks"
    ]
    assert all("Condition" not in st for st in resolved)


# -- exec logging and the shared cluster ------------------------------------------------------


def _logging_stack() -> tuple[cdk.Stack, logs.LogGroup, kms.Key]:
    stack = cdk.Stack(cdk.App(), "Logging")
    group = logs.LogGroup(stack, "Logs")
    key = kms.Key(stack, "Key")
    return stack, group, key


def _cluster_with_exec_config(
    stack: cdk.Stack, group: logs.ILogGroup, key: kms.IKey
) -> ecs.Cluster:
    return ecs.Cluster(
        stack,
        "Cluster",
        vpc=apps.nat_vpc(stack),
        execute_command_configuration=ecs.ExecuteCommandConfiguration(
            kms_key=key,
            logging=ecs.ExecuteCommandLogging.OVERRIDE,
            log_configuration=ecs.ExecuteCommandLogConfiguration(cloud_watch_log_group=group),
        ),
    )


def test_exec_logging_differing_from_the_cluster_configuration_is_refused() -> None:
    stack, group, key = _logging_stack()
    cluster = _cluster_with_exec_config(stack, group, key)
    other = logs.LogGroup(stack, "OtherLogs")
    with pytest.raises(ValueError, match=r"Logging/Web: exec_logging differs .* Logging/Cluster"):
        ExecEnabledService(
            stack, "Web", cluster=cluster, task_definition=apps.fargate_task(stack),
            exec_logging=ExecLogging(log_group=other, kms_key=key),
        )


def test_exec_logging_equal_to_the_cluster_configuration_is_accepted() -> None:
    stack, group, key = _logging_stack()
    cluster = _cluster_with_exec_config(stack, group, key)
    ExecEnabledService(
        stack, "Web", cluster=cluster, task_definition=apps.fargate_task(stack),
        exec_logging=ExecLogging(log_group=group, kms_key=key),
    )
    template = assertions.Template.from_stack(stack)
    # The cluster keeps its one configuration, which already is the service's.
    clusters = template.find_resources("AWS::ECS::Cluster")
    assert [c["Properties"]["Configuration"]["ExecuteCommandConfiguration"]["Logging"]
            for c in clusters.values()] == ["OVERRIDE"]
    template.has_resource_properties("AWS::ECS::Service", {"EnableExecuteCommand": True})


def test_two_services_with_different_exec_logging_on_one_cluster_are_refused() -> None:
    stack, group, key = _logging_stack()
    cluster = ecs.Cluster(stack, "Cluster", vpc=apps.nat_vpc(stack))
    ExecEnabledService(
        stack, "First", cluster=cluster, task_definition=apps.fargate_task(stack, "FirstTask"),
        exec_logging=ExecLogging(log_group=group, kms_key=key),
    )
    with pytest.raises(ValueError, match=r"Logging/Second: exec_logging differs"):
        ExecEnabledService(
            stack, "Second", cluster=cluster,
            task_definition=apps.fargate_task(stack, "SecondTask"),
            exec_logging=ExecLogging(log_group=logs.LogGroup(stack, "Other"), kms_key=key),
        )


def test_two_services_with_the_same_exec_logging_share_the_cluster() -> None:
    stack, group, key = _logging_stack()
    cluster = ecs.Cluster(
        stack,
        "Cluster",
        vpc=apps.nat_vpc(stack),
        managed_storage_configuration=ecs.ManagedStorageConfiguration(
            fargate_ephemeral_storage_kms_key=key
        ),
    )
    for name in ("First", "Second"):
        ExecEnabledService(
            stack, name, cluster=cluster, task_definition=apps.fargate_task(stack, f"{name}Task"),
            exec_logging=ExecLogging(log_group=group, kms_key=key),
        )
    cfn = cluster.node.default_child
    assert isinstance(cfn, ecs.CfnCluster)
    configuration = stack.resolve(cfn._cfn_properties)["configuration"]
    assert configuration["executeCommandConfiguration"] == {
        "logging": "OVERRIDE",
        "logConfiguration": {"cloudWatchLogGroupName": stack.resolve(group.log_group_name)},
        "kmsKeyId": stack.resolve(key.key_arn),
    }
    # What the cluster had already is kept.
    assert configuration["managedStorageConfiguration"] == {
        "fargateEphemeralStorageKmsKeyId": stack.resolve(key.key_id)
    }


# -- snapshots -------------------------------------------------------------------------------

_VOLATILE = re.compile(r"\b[0-9a-f]{64}\b")


def stable(templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Templates without asset hashes and the bootstrap boilerplate."""
    out: dict[str, Any] = json.loads(_VOLATILE.sub("<hash>", json.dumps(templates, sort_keys=True)))
    for body in out.values():
        body.pop("Rules", None)
        params = body.get("Parameters", {})
        params.pop("BootstrapVersion", None)
        if not params:
            body.pop("Parameters", None)
    return out


SNAPSHOTS = [
    pytest.param("readonly_root", {}, id="readonly_root"),
    pytest.param("isolated", {"launch": "fargate", "logging": True}, id="isolated_logging_kms"),
]


@pytest.mark.parametrize("mode", [ENFORCE, FIX], ids=["enforce", "fix"])
@pytest.mark.parametrize(("builder", "options"), SNAPSHOTS)
def test_template_snapshot(
    cache: Cache, builder: str, options: dict[str, Any], mode: ExecMode, snapshot_json: Any
) -> None:
    fail = {"fail": False} if mode is ENFORCE else {}
    s = cache.get(builder, mode, **options, **fail)
    assert s.error is None
    if mode is ENFORCE:  # the violations are still reported, they just do not fail synthesis
        assert [v.severity for v in s.violations].count("error") == 1
    assert stable(s.templates) == snapshot_json


def test_empty_exec_containers_is_refused() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "EmptyExecContainers")
    cluster = ecs.Cluster(stack, "Cluster", vpc=apps.nat_vpc(stack))
    with pytest.raises(ValueError, match="exec_containers is empty"):
        ExecEnabledService(
            stack, "Web", cluster=cluster,
            task_definition=apps.fargate_task(stack), exec_containers=[],
        )
