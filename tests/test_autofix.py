"""EcsExecAutoFix: every broken app comes out with no analyzer error, no cfn-lint error, no new
cdk-nag error, one endpoint per service name and VPC, and the fix is idempotent and a no-op on
a compliant app.

Synthesis is the slow part, so each app is synthesized once per module (``scope="module"``
caches below) and shared by the tests.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import autofix_apps as apps
import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecs as ecs
from syrupy.extensions.json import JSONSnapshotExtension

from ecs_exec_guard.analysis import analyze
from ecs_exec_guard.policies.autofix import (
    ACK_NAG_IAM5_WILDCARD,
    EcsExecAutoFix,
    EcsExecContainerMixin,
    EcsExecEnableMixin,
    EcsExecPlatformVersionMixin,
    flatten_cfn_reference,
)

pytestmark = pytest.mark.slow

BROKEN = sorted(apps.BROKEN)


@dataclass
class Synth:
    """One synthesized app: its templates (by template file name), raw bytes and messages."""

    templates: dict[str, dict[str, Any]]
    raw: dict[str, bytes]
    messages: list[tuple[str, str, str]]  # (level, construct path, text)
    aspects: list[EcsExecAutoFix]

    def resources(self, rtype: str) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for name, body in self.templates.items():
            for lid, res in body.get("Resources", {}).items():
                if res.get("Type") == rtype:
                    out[f"{name}:{lid}"] = res
        return out

    def texts(self, level: str) -> list[str]:
        return [text for lvl, _, text in self.messages if lvl == level]


def synth(
    builder: apps.Builder, fixes: int, outdir: Path, entry: str = "aspect", **options: Any
) -> Synth:
    app = builder(fixes=0, outdir=str(outdir))
    aspects = apps.add_fixes(app, fixes, entry=entry, **options)
    assembly = app.synth()
    templates: dict[str, dict[str, Any]] = {}
    raw: dict[str, bytes] = {}
    messages: list[tuple[str, str, str]] = []
    for stack in assembly.stacks:
        path = Path(assembly.directory) / stack.template_file
        raw[stack.template_file] = path.read_bytes()
        templates[stack.template_file] = json.loads(raw[stack.template_file])
        for msg in stack.messages:
            messages.append((msg.level.value.lower(), msg.id, str(msg.entry.data)))
    return Synth(templates, raw, messages, aspects)


class Cache:
    """Synthesize each (app, fixes, options) once per module."""

    def __init__(self, tmp: pytest.TempPathFactory) -> None:
        self._done: dict[str, Synth] = {}
        self._tmp = tmp

    def get(self, name: str, fixes: int = 1, entry: str = "aspect", **options: Any) -> Synth:
        key = json.dumps([name, fixes, entry, options], sort_keys=True)
        if key not in self._done:
            builder: apps.Builder = getattr(apps, name)
            outdir = self._tmp.mktemp("autofix-")
            self._done[key] = synth(builder, fixes, outdir, entry, **options)
        return self._done[key]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Cache:
    return Cache(tmp_path_factory)


@pytest.fixture
def snapshot_json(snapshot: Any) -> Any:
    return snapshot.use_extension(JSONSnapshotExtension)


def error_ids(s: Synth) -> list[tuple[str, str]]:
    return sorted((f.rule_id, f.logical_id) for f in analyze(s.templates).errors)


# -- the analyzer agrees --------------------------------------------------------------------


@pytest.mark.parametrize("name", BROKEN)
def test_broken_app_has_errors_before(cache: Cache, name: str) -> None:
    assert error_ids(cache.get(name, 0)), f"{name} is not broken: the test proves nothing"


@pytest.mark.parametrize("name", BROKEN)
def test_no_error_findings_after_fix(cache: Cache, name: str) -> None:
    assert error_ids(cache.get(name)) == []


@pytest.mark.parametrize("name", BROKEN)
def test_no_cfn_lint_errors(cache: Cache, name: str) -> None:
    from cfnlint.api import lint_all  # type: ignore[import-untyped]

    errors = [
        f"{template}: {match}"
        for template, body in cache.get(name).templates.items()
        for match in lint_all(json.dumps(body))
        # E3006 "resource type does not exist in <region>": lint_all checks every region,
        # and daemons and pipes are not in all of them; nothing the fix can change.
        if match.rule.id.startswith("E") and match.rule.id != "E3006"
    ]
    assert errors == []


@pytest.mark.parametrize("entry", apps.ENTRIES)
@pytest.mark.parametrize("name", BROKEN)
def test_idempotent(cache: Cache, name: str, entry: str) -> None:
    once, twice = cache.get(name, entry=entry), cache.get(name, 2, entry=entry)
    assert twice.raw == once.raw
    first, second = twice.aspects
    assert first.changes
    assert second.changes == []  # the second instance found nothing left to do


def test_noop_on_compliant_app(cache: Cache) -> None:
    without, with_fix = cache.get("compliant", 0), cache.get("compliant")
    assert error_ids(without) == [] and not analyze(without.templates).warnings
    assert with_fix.raw == without.raw  # byte-identical
    assert with_fix.aspects[0].changes == []
    assert with_fix.texts("info") == []


# -- endpoints -------------------------------------------------------------------------------


def _endpoint_services(s: Synth) -> list[tuple[str, str]]:
    out = []
    for res in s.resources("AWS::EC2::VPCEndpoint").values():
        props = res["Properties"]
        name = flatten_cfn_reference(props["ServiceName"]).rsplit(".", 1)[-1]
        out.append((json.dumps(props["VpcId"], sort_keys=True), name))
    return sorted(out)


@pytest.mark.parametrize("name", [*BROKEN, "existing_endpoint"])
def test_one_endpoint_per_service_name_and_vpc(cache: Cache, name: str) -> None:
    services = _endpoint_services(cache.get(name))
    assert len(services) == len(set(services)), services


def test_shared_vpc_gets_one_ssmmessages_endpoint(cache: Cache) -> None:
    s = cache.get("shared_vpc")
    assert len(s.resources("AWS::ECS::Service")) == 3
    assert [svc for _, svc in _endpoint_services(s)] == ["ssmmessages"]
    assert s.aspects[0].stats.snapshots == 1  # one batch for the three services


def test_logging_with_kms_gets_logs_and_kms_endpoints(cache: Cache) -> None:
    s = cache.get("logging_kms_isolated")
    assert [svc for _, svc in _endpoint_services(s)] == ["kms", "logs", "ssmmessages"]
    assert not analyze(s.templates, rules=["EcsExec-NET6"]).findings


def test_s3_logging_gets_an_s3_gateway_endpoint(cache: Cache) -> None:
    s = cache.get("s3_logging_isolated")
    assert [svc for _, svc in _endpoint_services(s)] == ["s3", "ssmmessages"]
    (gateway,) = [
        r["Properties"] for r in s.resources("AWS::EC2::VPCEndpoint").values()
        if r["Properties"].get("VpcEndpointType") == "Gateway"
    ]
    assert len(gateway["RouteTableIds"]) == 2


def test_existing_l2_endpoint_is_reused(cache: Cache) -> None:
    before, after = cache.get("existing_endpoint", 0), cache.get("existing_endpoint")
    assert list(before.resources("AWS::EC2::VPCEndpoint")) == list(
        after.resources("AWS::EC2::VPCEndpoint")
    )
    assert [svc for _, svc in _endpoint_services(after)] == ["ssmmessages"]


def test_existing_l1_endpoint_is_reused_and_opened(cache: Cache) -> None:
    s = cache.get("existing_l1_endpoint")
    assert list(s.resources("AWS::EC2::VPCEndpoint")) == [
        "ExistingL1Endpoint.template.json:SsmEndpoint"
    ]
    ingress = list(s.resources("AWS::EC2::SecurityGroupIngress").values())
    assert [r["Properties"]["FromPort"] for r in ingress] == [443]


def test_cross_stack_endpoint_goes_into_the_vpc_stack(cache: Cache) -> None:
    s = cache.get("cross_stack")
    endpoints = s.resources("AWS::EC2::VPCEndpoint")
    assert [k.split(":")[0] for k in endpoints] == ["Network.template.json"]


@pytest.mark.parametrize("entry", apps.ENTRIES)
def test_cross_stack_endpoint_follows_the_reference_when_logical_ids_repeat(
    cache: Cache, entry: str
) -> None:
    """Network1 and Network2 both have a ``Vpc`` (same logical IDs); the service uses
    Network2's. The snapshot used to link only a logical ID one other template has, so the
    subnets stayed unresolved, no endpoint was made and the checks reported NET2."""
    before = cache.get("cross_stack_same_ids", 0, entry=entry)
    assert error_ids(before) == [("EcsExec-NET2", "ServiceD69D759B")]
    after = cache.get("cross_stack_same_ids", entry=entry)
    assert list(after.resources("AWS::EC2::VPCEndpoint")) == [
        "Network2.template.json:VpcEcsExecSsmMessagesEndpointD130CB1B"
    ]
    report = analyze(after.templates)
    assert report.errors == [] and report.warnings == []
    assert after.templates["Network1.template.json"] == before.templates["Network1.template.json"]


def test_cross_stack_fallback_resolver_finds_the_same_target(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """When the reference token strings are not found in the unresolved property (a token
    inside a ``Fn::Join``, a list token), the snapshot re-resolves the property with a
    recording resolver: forced here, it must link to the same stack."""
    from ecs_exec_guard.policies.autofix import snapshot

    monkeypatch.setattr(snapshot, "token_strings", lambda *args: [])
    s = synth(apps.cross_stack_same_ids, 1, tmp_path)
    assert list(s.resources("AWS::EC2::VPCEndpoint")) == [
        "Network2.template.json:VpcEcsExecSsmMessagesEndpointD130CB1B"
    ]
    report = analyze(s.templates)
    assert report.errors == [] and report.warnings == []


def test_logging_statement_follows_the_reference_when_logical_ids_repeat(cache: Cache) -> None:
    """Logs1 and Logs2 both have ``ExecLogs``; the L1 cluster logs to Logs2's. The statement
    the fix adds used to hold a ``Ref`` to a resource the Services template lacks (cfn-lint
    E1020, undeployable); it must import Logs2's group name."""
    before = cache.get("cross_stack_same_log_ids", 0)
    assert error_ids(before) == [
        ("EcsExec-IAM2", "TaskRole30FC0FBB"),
        ("EcsExec-IAM3", "TaskRole30FC0FBB"),
    ]
    after = cache.get("cross_stack_same_log_ids")
    (policy,) = [
        r["Properties"]["PolicyDocument"]["Statement"]
        for k, r in after.resources("AWS::IAM::Policy").items()
        if "EcsExecLoggingPolicy" in k
    ]
    group = {"Fn::ImportValue": "Logs2:ExportsOutputRefExecLogs6390DA4981BE8914"}
    assert [st["Resource"] for st in policy] == [
        "*",
        {
            "Fn::Join": [
                "",
                [
                    "arn:", {"Ref": "AWS::Partition"}, ":logs:", {"Ref": "AWS::Region"}, ":",
                    {"Ref": "AWS::AccountId"}, ":log-group:", group, ":*",
                ],
            ]
        },
    ]
    report = analyze(after.templates)
    assert report.errors == [] and report.warnings == []
    from cfnlint.api import lint_all

    lint = [m for body in after.templates.values() for m in lint_all(json.dumps(body))]
    assert [m for m in lint if m.rule.id.startswith("E")] == []


def test_imported_vpc_gets_no_endpoint_and_a_warning(cache: Cache) -> None:
    s = cache.get("imported_vpc")
    assert s.resources("AWS::EC2::VPCEndpoint") == {}
    warnings = s.texts("warning")
    assert any("EcsExecAutoFix" in w and "imported" in w for w in warnings), warnings
    assert {f.rule_id for f in analyze(s.templates).warnings} == {"EcsExec-NET7"}


def test_options_turn_fixes_off(cache: Cache) -> None:
    s = cache.get("isolated_vpc", endpoints=False, init_process=False)
    assert s.resources("AWS::EC2::VPCEndpoint") == {}
    assert [r for r, _ in error_ids(s)] == ["EcsExec-NET2"]
    assert {f.rule_id for f in analyze(s.templates).warnings} == {"EcsExec-CTR2"}


# -- egress, permissions, containers, platform ------------------------------------------------


def test_restricted_egress_gets_https_to_the_internet(cache: Cache) -> None:
    s = cache.get("restricted_egress")
    rules = [r["Properties"] for r in s.resources("AWS::EC2::SecurityGroupEgress").values()]
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"], r["CidrIp"]) for r in rules] == [
        ("tcp", 443, 443, "0.0.0.0/0")
    ]


def test_isolated_l1_egress_goes_to_the_endpoint_security_group(cache: Cache) -> None:
    """Egress to the endpoint's security group, not to the VPC CIDR (issue 12, item 6)."""
    s = cache.get("l1_isolated")
    rules = [r["Properties"] for r in s.resources("AWS::EC2::SecurityGroupEgress").values()]
    endpoint_sg = {"Fn::GetAtt": ["VpcEcsExecEndpointSecurityGroup", "GroupId"]}
    assert [(r["FromPort"], r["DestinationSecurityGroupId"]) for r in rules] == [
        (443, endpoint_sg)
    ]
    assert all("CidrIp" not in r for r in rules)
    vpc = s.templates["L1Isolated.template.json"]["Resources"]["Vpc"]["Properties"]
    assert vpc["EnableDnsHostnames"] is True  # private DNS needs it


def test_l1_task_definition_gets_a_task_role(cache: Cache) -> None:
    s = cache.get("l1_no_task_role")
    td = s.templates["L1NoRole.template.json"]["Resources"]["Task"]["Properties"]
    role_id = td["TaskRoleArn"]["Fn::GetAtt"][0]
    role = s.templates["L1NoRole.template.json"]["Resources"][role_id]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "ecs-tasks.amazonaws.com"
    }
    assert any("created task role" in t for t in s.texts("info"))


def test_ssm_statement_has_its_own_policy(cache: Cache) -> None:
    s = cache.get("l1_isolated")
    docs = [
        r["Properties"]["PolicyDocument"]["Statement"]
        for r in s.resources("AWS::IAM::Policy").values()
    ]
    assert docs == [
        [
            {
                "Action": [
                    "ssmmessages:CreateControlChannel",
                    "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel",
                    "ssmmessages:OpenDataChannel",
                ],
                "Effect": "Allow",
                "Resource": "*",
                "Sid": "EcsExecSsmMessages",
            }
        ]
    ]


def test_immutable_role_is_left_with_a_warning(cache: Cache) -> None:
    before, after = cache.get("immutable_role", 0), cache.get("immutable_role")
    assert before.resources("AWS::IAM::Policy") == after.resources("AWS::IAM::Policy")
    assert [r for r, _ in error_ids(after)] == ["EcsExec-IAM2"]
    assert any("immutable" in w for w in after.texts("warning"))


def _containers(s: Synth, stack: str, td: str | None = None) -> list[dict[str, Any]]:
    body = s.templates[f"{stack}.template.json"]["Resources"]
    tds = [r for lid, r in body.items() if r["Type"] == "AWS::ECS::TaskDefinition"
           and (td is None or lid == td)]
    return [c for t in tds for c in t["Properties"]["ContainerDefinitions"]]


def test_readonly_root_is_flipped_with_a_warning(cache: Cache) -> None:
    s = cache.get("readonly_root")
    assert [c["ReadonlyRootFilesystem"] for c in _containers(s, "ReadonlyRoot")] == [False, False]
    warnings = [w for w in s.texts("warning") if "read-only" in w]
    assert len(warnings) == 1
    assert "app, sidecar" in warnings[0] and "ECS.5" in warnings[0]
    assert "CT.ECS.PR.6" in warnings[0]


def test_exec_containers_limits_the_root_filesystem_fix(cache: Cache) -> None:
    s = cache.get("readonly_root", exec_containers=["app"])
    flags = {c["Name"]: c["ReadonlyRootFilesystem"] for c in _containers(s, "ReadonlyRoot")}
    assert flags == {"app": False, "sidecar": True}
    warning = next(w for w in s.texts("warning") if "read-only" in w)
    assert "sidecar stay read-only" in warning
    # The fix records the exec targets in the task definition's metadata, so the checks leave
    # the deliberately read-only sidecar alone.
    tds = s.resources("AWS::ECS::TaskDefinition")
    assert [td["Metadata"]["ecs-exec-guard:exec-containers"] for td in tds.values()] == [["app"]]
    assert error_ids(s) == []


def test_init_process_is_enabled(cache: Cache) -> None:
    s = cache.get("isolated_vpc")
    assert [c["LinuxParameters"] for c in _containers(s, "Isolated")] == [
        {"InitProcessEnabled": True}
    ]


def test_platform_version_is_raised(cache: Cache) -> None:
    s = cache.get("platform_130")
    services = list(s.resources("AWS::ECS::Service").values())
    assert [svc["Properties"]["PlatformVersion"] for svc in services] == ["1.4.0"]


def test_enable_exec_turns_exec_on_and_fixes_the_rest(cache: Cache) -> None:
    before, after = cache.get("exec_off", 0), cache.get("exec_off", enable_exec=True)
    before_report = analyze(before.templates, require_exec=True)
    # Exec off: the one service is reported by ENB1 and nothing else (no launch is checked).
    assert [(f.rule_id, f.resource_type) for f in before_report.findings] == [
        ("EcsExec-ENB1", "AWS::ECS::Service")]
    assert analyze(after.templates, require_exec=True).findings == []
    services = list(after.resources("AWS::ECS::Service").values())
    assert [svc["Properties"]["EnableExecuteCommand"] for svc in services] == [True]


def test_every_change_is_an_info_annotation(cache: Cache) -> None:
    s = cache.get("l1_isolated")
    infos = s.texts("info")
    assert sorted(infos) == sorted(s.aspects[0].changes)
    assert len(infos) >= 5  # role policy, endpoint, DNS, egress, root filesystem, init


# -- cdk-nag ---------------------------------------------------------------------------------


def nag_errors(outdir: Path, name: str, fixes: int, **options: Any) -> set[tuple[str, str]]:
    builder: apps.Builder = getattr(apps, name)
    builder(fixes=fixes, outdir=str(outdir), nag=True, **options).synth()
    report = json.loads((outdir / "validation-report.json").read_text())
    out: set[tuple[str, str]] = set()
    for plugin in report.get("pluginReports", []):
        for violation in plugin.get("violations", []):
            if violation.get("severity") != "error":
                continue
            for construct in violation.get("violatingConstructs", []):
                out.add((violation["ruleName"], construct["constructPath"]))
    return out


@pytest.mark.parametrize("name", BROKEN)
def test_no_new_aws_solutions_errors(name: str, tmp_path: Path) -> None:
    before = nag_errors(tmp_path / "before", name, 0)
    after = nag_errors(tmp_path / "after", name, 1)
    assert after - before == set()


def test_ssm_iam5_is_acknowledged_only_when_asked(tmp_path: Path) -> None:
    quiet = nag_errors(tmp_path / "quiet", "l1_no_task_role", 1)
    loud = nag_errors(
        tmp_path / "loud", "l1_no_task_role", 1, acknowledge_inherent_nag_findings=False
    )
    new = loud - quiet
    rule = ACK_NAG_IAM5_WILDCARD.split("::", 1)[1]
    assert {r for r, _ in new} == {rule}
    assert all("EcsExecSsmMessagesPolicy" in path for _, path in new)


# -- snapshots -------------------------------------------------------------------------------

_VOLATILE = re.compile(r"[0-9a-f]{64}")


def _stable(templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Templates without asset hashes (S3Key, image URIs) and the bootstrap boilerplate."""
    text = _VOLATILE.sub("<hash>", json.dumps(templates, sort_keys=True))
    out: dict[str, Any] = json.loads(text)
    for body in out.values():
        body.pop("Rules", None)
        params = body.get("Parameters", {})
        params.pop("BootstrapVersion", None)
        if not params:
            body.pop("Parameters", None)
    return out


@pytest.mark.parametrize("name", BROKEN)
def test_fixed_template_snapshot(cache: Cache, name: str, snapshot_json: Any) -> None:
    fixed = _stable(cache.get(name).templates)
    assert fixed == snapshot_json
    # The other entry point against the same snapshot (byte for byte: see below).
    assert _stable(cache.get(name, entry="apply_to").templates) == fixed


@pytest.mark.parametrize("name", [*BROKEN, "compliant"])
def test_both_entry_points_give_the_same_output(cache: Cache, name: str) -> None:
    """``apply_to`` (one callback per synthesis) and ``Aspects.of(app).add`` agree byte for byte."""
    aspect, apply_to = cache.get(name), cache.get(name, entry="apply_to")
    assert apply_to.raw == aspect.raw
    assert apply_to.messages == aspect.messages
    assert apply_to.aspects[0].changes == aspect.aspects[0].changes
    assert apply_to.aspects[0].stats.snapshots == 1


# -- Mixins ------------------------------------------------------------------------------------


def test_mixins_make_a_service_exec_ready_and_the_aspect_agrees() -> None:
    app = apps.new_app()
    stack = cdk.Stack(app, "Mixins")
    cluster = ecs.Cluster(stack, "Cluster", vpc=apps._nat_vpc(stack))
    td = ecs.FargateTaskDefinition(stack, "Task")
    container = td.add_container(
        "app",
        image=ecs.ContainerImage.from_registry(apps.IMAGE),
        readonly_root_filesystem=True,
    )
    service = ecs.FargateService(
        stack,
        "Service",
        cluster=cluster,
        task_definition=td,
        platform_version=ecs.FargatePlatformVersion.VERSION1_3,
    )
    cdk.Mixins.of(service).apply(EcsExecEnableMixin(), EcsExecPlatformVersionMixin())
    cdk.Mixins.of(container).apply(EcsExecContainerMixin())
    aspect = EcsExecAutoFix()
    cdk.Aspects.of(app).add(aspect, priority=cdk.AspectPriority.MUTATING)
    assembly = app.synth()
    templates = {s.template_file: s.template for s in assembly.stacks}
    assert error_ids(Synth(templates, {}, [], [])) == []
    body = templates["Mixins.template.json"]["Resources"]
    svc = next(r for r in body.values() if r["Type"] == "AWS::ECS::Service")
    assert svc["Properties"]["PlatformVersion"] == "1.4.0"
    assert svc["Properties"]["EnableExecuteCommand"] is True
    task = next(r for r in body.values() if r["Type"] == "AWS::ECS::TaskDefinition")
    (c,) = task["Properties"]["ContainerDefinitions"]
    assert c["ReadonlyRootFilesystem"] is False
    assert c["LinuxParameters"] == {"InitProcessEnabled": True}
    # The aspect saw the Mixins' work and only added the permissions the exec flag needs.
    assert all("ssmmessages" in change for change in aspect.changes), aspect.changes


# -- cost --------------------------------------------------------------------------------------


def test_one_snapshot_per_batch_and_cheap_visits(cache: Cache) -> None:
    s = cache.get("shared_vpc")
    stats = s.aspects[0].stats
    assert stats.snapshots == 1
    assert stats.visits > 50  # one callback per construct...
    assert stats.resources_resolved < stats.visits  # ...but only exec-relevant ones resolved


def test_one_instance_on_two_stacks_fixes_both() -> None:
    """The batch covers the first scope; the other stack's services are fixed when visited."""
    app = apps.new_app()
    stacks = [cdk.Stack(app, "First"), cdk.Stack(app, "Second")]
    aspect = EcsExecAutoFix()
    for stack in stacks:
        cluster = ecs.Cluster(stack, "Cluster", vpc=apps._isolated_vpc(stack))
        apps._service(stack, cluster, init=True)
        cdk.Aspects.of(stack).add(aspect, priority=cdk.AspectPriority.MUTATING)
    assembly = app.synth()
    templates = {s.template_file: s.template for s in assembly.stacks}
    assert error_ids(Synth(templates, {}, [], [])) == []
    assert aspect.stats.snapshots == 2


def test_l1_logging_statements_cover_the_cluster_configuration(cache: Cache) -> None:
    s = cache.get("l1_logging")
    policies = {
        key.rsplit(":", 1)[1]: res["Properties"]["PolicyDocument"]["Statement"]
        for key, res in s.resources("AWS::IAM::Policy").items()
    }
    logging = next(v for k, v in policies.items() if "EcsExecLoggingPolicy" in k)
    actions = sorted(a for st in logging for a in
                     (st["Action"] if isinstance(st["Action"], list) else [st["Action"]]))
    assert actions == [
        "kms:Decrypt",
        "logs:CreateLogStream",
        "logs:DescribeLogGroups",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
        "s3:GetBucketLocation",
        "s3:GetEncryptionConfiguration",
        "s3:PutObject",
    ]


def test_windows_containers_get_no_init_process() -> None:
    app = apps.new_app()
    stack = cdk.Stack(app, "Windows")
    cluster = ecs.Cluster(stack, "Cluster", vpc=apps._nat_vpc(stack))
    td = ecs.FargateTaskDefinition(
        stack,
        "Task",
        cpu=1024,
        memory_limit_mib=2048,
        runtime_platform=ecs.RuntimePlatform(
            operating_system_family=ecs.OperatingSystemFamily.WINDOWS_SERVER_2019_CORE,
            cpu_architecture=ecs.CpuArchitecture.X86_64,
        ),
    )
    td.add_container("app", image=ecs.ContainerImage.from_registry(apps.IMAGE))
    ecs.FargateService(stack, "Service", cluster=cluster, task_definition=td,
                       enable_execute_command=True)
    aspect = EcsExecAutoFix()
    cdk.Aspects.of(app).add(aspect, priority=cdk.AspectPriority.MUTATING)
    templates = {s.template_file: s.template for s in app.synth().stacks}
    assert error_ids(Synth(templates, {}, [], [])) == []
    task = next(r for r in templates["Windows.template.json"]["Resources"].values()
                if r["Type"] == "AWS::ECS::TaskDefinition")
    assert "LinuxParameters" not in task["Properties"]["ContainerDefinitions"][0]
    assert aspect.changes == []


def test_container_mixin_leaves_an_exec_ready_container_alone() -> None:
    app = apps.new_app()
    stack = cdk.Stack(app, "MixinNoop")
    td = ecs.FargateTaskDefinition(stack, "Task")
    container = td.add_container(
        "app",
        image=ecs.ContainerImage.from_registry(apps.IMAGE),
        linux_parameters=ecs.LinuxParameters(stack, "Linux", init_process_enabled=True),
    )
    cdk.Mixins.of(container).apply(EcsExecContainerMixin())
    (stack_artifact,) = app.synth().stacks
    resources = stack_artifact.template["Resources"]
    (task,) = [r for r in resources.values() if r["Type"] == "AWS::ECS::TaskDefinition"]
    (rendered,) = task["Properties"]["ContainerDefinitions"]
    assert "ReadonlyRootFilesystem" not in rendered
    assert rendered["LinuxParameters"]["InitProcessEnabled"] is True
    assert not [m for m in stack_artifact.messages if "EcsExecAutoFix" in str(m.entry.data)]
