"""``EcsExecAutoFix``: a CDK Aspect that repairs what ECS Exec needs, decided by the analyzer.

Usage::

    Aspects.of(app).add(EcsExecAutoFix(), priority=AspectPriority.MUTATING)

How it works. On its first visit (the scope it was added to) the aspect takes a *snapshot* of
the stage: the CloudFormation properties of the resource types that matter for exec (ECS, IAM,
VPC, security groups, endpoints, KMS, ...), resolved in place with one ``Stack.resolve`` per
stack and cased as CloudFormation spells them (cross-stack references become ``ImportValue``
of made-up exports). The pure-Python analyzer runs over that snapshot exactly as it runs over
synthesized templates, so the fixes and the checks agree by construction. The aspect then
applies every fix for every exec-enabled service in its scope in one batch (one endpoint per
VPC and service name, one policy per role), records each change as an INFO annotation on the
construct it changed, and never touches the other constructs. Later
visits (one per construct: Aspects call back into Python for each) return at once, except for
an ``AWS::ECS::Service`` that was not in the batch (added later by another aspect), which is
fixed on its own.

Cost: one jsii callback per construct (the Aspect protocol; ~0.35 ms each) plus, once per
batch, two property reads per exec-relevant L1 and one ``resolve`` per stack; the fixes cost a
few calls per change. ``EcsExecAutoFix.stats`` says what a run spent.

What stays true:

* L2 and L1 alike: the snapshot is built from the L1 resources, and fixes that edit an L1
  (platform version, exec flag, task role ARN) set its property; fixes that need new resources
  use the L2 API where the L1 belongs to an L2 (``Vpc.add_interface_endpoint``, ``iam.Policy``
  on an ``iam.Role``) and L1 resources otherwise. Container fixes are property overrides
  (``ContainerDefinitions.<i>.ReadonlyRootFilesystem``), which work on both.
* Idempotent: everything the aspect adds is found in the next snapshot (endpoints by service
  name, policies by their statements, egress rules by their ports), and its property
  overrides are kept in a registry that the snapshot replays, so a second application (a
  second instance, or a second synthesis) changes nothing and annotates nothing.
* An already compliant app is left alone: no finding, no change.
* Nothing is created in a VPC, role or security group defined outside the app (imported), and
  an immutable task role is not worked around: those get a warning annotation instead, and
  ``EcsExecChecks`` keeps reporting them (IAM2/IAM4, NET2/NET7).
* cdk-nag: the ssmmessages statement lives in a policy of its own whose
  ``AwsSolutions-IAM5[Resource::*]`` is acknowledged (and, for an added exec logging policy,
  exactly its wildcard findings), only when this aspect added it; endpoint rules use the VPC's
  literal CIDR where known, because AwsSolutions-EC23 reports any CIDR it cannot resolve.

Limits:

* Resolving a property evaluates CDK's cached ``Lazy`` values once. The aspect therefore never
  edits an existing L2's lazily rendered lists (security group rules, containers): it adds
  separate rule resources and property overrides. An aspect that runs *after* this one and
  edits such lists of the same constructs may not be rendered; give this aspect the latest
  priority among mutating aspects.
* Property overrides the user made (``add_property_override``) are not visible to the snapshot
  (CDK keeps them private); the final synthesized template is, so ``EcsExecChecks`` still
  reports what they break.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import aws_cdk as cdk
import jsii
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct, IConstruct
from jsii.errors import JSIIError

from ..analysis.iam import EXEC_ACTIONS, Decision, Permissions
from ..analysis.intrinsics import is_unknown
from ..analysis.launches import Launch
from ..analysis.model import EXEC_CONTAINERS_METADATA, Model, Resource, get_ci, truthy
from ..analysis.network import egress_allows, service_endpoints
from ..analysis.rules import Context
from ..analysis.rules.iam import exec_log_requirements, key_policy_allows, task_role

__all__ = [
    "ACK_NAG_IAM5_WILDCARD",
    "EcsExecAutoFix",
    "EcsExecContainerMixin",
    "EcsExecEnableMixin",
    "EcsExecPlatformVersionMixin",
]

#: The cdk-nag finding the ssmmessages statement inherently raises (it cannot be scoped).
ACK_NAG_IAM5_WILDCARD = "AwsSolutions::AwsSolutions-IAM5[Resource::*]"
NAG_IAM5_PREFIX = "AwsSolutions::AwsSolutions-IAM5"

ANNOTATION_PREFIX = "EcsExecAutoFix"
WARNING_ROOT_FS = "ecs-exec-guard:autofix:readonly-root-filesystem"
WARNING_CANNOT_FIX = "ecs-exec-guard:autofix:cannot-fix"

SSM_POLICY_ID = "EcsExecSsmMessagesPolicy"
LOG_POLICY_ID = "EcsExecLoggingPolicy"
TASK_ROLE_ID = "EcsExecTaskRole"
EGRESS_ID = "EcsExecHttpsEgress"
INGRESS_ID = "EcsExecHttpsIngress"
ENDPOINT_SG_ID = "EcsExecEndpointSecurityGroup"

#: What a failing call into aws-cdk-lib raises in Python (a JS exception is a RuntimeError).
_BRIDGE_ERRORS = (JSIIError, RuntimeError)

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_LINUX_MIN = ((1, 4, 0), "1.4.0")
_WINDOWS_MIN = ((1, 0, 0), "1.0.0")

#: Interface endpoint services, by the analyzer's short name.
_ServiceFactory = Callable[[], ec2.InterfaceVpcEndpointAwsService]
_INTERFACE_SERVICES: dict[str, tuple[str, _ServiceFactory]] = {
    "ssmmessages": ("SsmMessages", lambda: ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES),
    "logs": ("Logs", lambda: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS),
    "kms": ("Kms", lambda: ec2.InterfaceVpcEndpointAwsService.KMS),
}

_SSM_REASON = (
    "ECS Exec's SSM agent needs ssmmessages:CreateControlChannel/CreateDataChannel/"
    "OpenControlChannel/OpenDataChannel, which support no resource-level permissions: "
    "Resource '*' is the narrowest possible (added by ecs-exec-guard EcsExecAutoFix)."
)
_LOG_REASON = (
    "ECS Exec session logging writes to log streams and objects whose names are chosen per "
    "session, and logs:DescribeLogGroups / s3:GetBucketLocation support no resource scoping "
    "(added by ecs-exec-guard EcsExecAutoFix)."
)

_PSEUDO: dict[str, Callable[[], Any]] = {
    "AWS::AccountId": lambda: cdk.Aws.ACCOUNT_ID,
    "AWS::Region": lambda: cdk.Aws.REGION,
    "AWS::Partition": lambda: cdk.Aws.PARTITION,
    "AWS::URLSuffix": lambda: cdk.Aws.URL_SUFFIX,
    "AWS::StackName": lambda: cdk.Aws.STACK_NAME,
    "AWS::StackId": lambda: cdk.Aws.STACK_ID,
    "AWS::NotificationARNs": lambda: cdk.Aws.NOTIFICATION_ARNS,
    "AWS::NoValue": lambda: cdk.Aws.NO_VALUE,
}


# -- the registry of property overrides this module made ------------------------------------

#: L1 key -> {property path: value}. Overrides are private to CDK once made, so the snapshot
#: replays the ones made here; kept at module level so that a second aspect instance (or a
#: Mixin followed by the aspect) sees them. Keys are the kernel's object references, which
#: are never reused within a process.
_OVERRIDES: dict[str, dict[str, Any]] = {}


def _key(construct: Any) -> str:
    """A stable identity for a construct across the bridge.

    jsii hands out a new Python proxy each time a JS-created object crosses, so ``id()`` and
    ``is`` do not identify a construct; the kernel's object reference does.
    """
    ref = getattr(construct, "__jsii_ref__", None)
    return cast(str, ref.ref) if ref is not None else f"py:{id(construct)}"


def _owns(l2: IConstruct, l1: IConstruct) -> bool:
    """Whether ``l1`` is the L1 resource of the L2 ``l2`` (its default child)."""
    child = l2.node.default_child
    return child is not None and _key(child) == _key(l1)


def _override(cfn: cdk.CfnResource, path: str, value: Any) -> None:
    cfn.add_property_override(path, value)
    _OVERRIDES.setdefault(_key(cfn), {})[path] = value


def _apply_overrides(props: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    for path, value in overrides.items():
        parts = path.split(".")
        node: Any = props
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                try:
                    index = int(part)
                except ValueError:
                    break
                if not 0 <= index < len(node):
                    break
                if last:
                    node[index] = value
                else:
                    if not isinstance(node[index], dict | list):
                        node[index] = {}
                    node = node[index]
            elif isinstance(node, dict):
                if last:
                    node[part] = value
                else:
                    if not isinstance(node.get(part), dict | list):
                        node[part] = {}
                    node = node[part]
            else:
                break


# -- the snapshot ----------------------------------------------------------------------------

# Resource types the analyzer reads for exec. Types listed in _TYPE_ONLY matter only as the
# target of a reference, so their properties are not resolved (saves bridge calls).
_RELEVANT: tuple[type[cdk.CfnResource], ...] = (
    ecs.CfnService,
    ecs.CfnTaskDefinition,
    ecs.CfnCluster,
    ecs.CfnClusterCapacityProviderAssociations,
    ecs.CfnCapacityProvider,
    iam.CfnRole,
    iam.CfnPolicy,
    iam.CfnManagedPolicy,
    ec2.CfnVPC,
    ec2.CfnSubnet,
    ec2.CfnRouteTable,
    ec2.CfnRoute,
    ec2.CfnSubnetRouteTableAssociation,
    ec2.CfnVPCEndpoint,
    ec2.CfnSecurityGroup,
    ec2.CfnSecurityGroupIngress,
    ec2.CfnSecurityGroupEgress,
    ec2.CfnLaunchTemplate,
    ec2.CfnInstance,
    autoscaling.CfnAutoScalingGroup,
    autoscaling.CfnLaunchConfiguration,
    kms.CfnKey,
)
_TYPE_ONLY: tuple[type[cdk.CfnResource], ...] = (
    ec2.CfnInternetGateway,
    ec2.CfnNatGateway,
    logs.CfnLogGroup,
    s3.CfnBucket,
)
_GENERIC_TYPES = ("Custom::VpcRestrictDefaultSG",)
_TYPE_NAMES: dict[type[Any], str] = {}


# Property names whose CloudFormation spelling is not the camelCase one capitalized, and
# properties whose values are free-form JSON (kept as they are).
_RENAMES = {
    "VpcZoneIdentifier": "VPCZoneIdentifier",
    "EnableEcsManagedTags": "EnableECSManagedTags",
}
_RAW_JSON = frozenset(
    {"PolicyDocument", "AssumeRolePolicyDocument", "KeyPolicy", "DockerLabels", "Options"}
)


def _cfn_case(value: Any) -> Any:
    """Resolved L1 properties (camelCase) as CloudFormation spells them.

    What each L1's ``renderProperties`` does for the resource types read here, without one
    bridge call per resource (checked equal on every resource of the test apps).
    """
    if isinstance(value, list):
        return [_cfn_case(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "Ref" or key.startswith("Fn::"):
            out[key] = item
            continue
        name = key[:1].upper() + key[1:]
        name = _RENAMES.get(name, name)
        out[name] = item if name in _RAW_JSON else _cfn_case(item)
    return out


def _type_name(cls: type[Any]) -> str:
    name = _TYPE_NAMES.get(cls)
    if name is None:
        name = cast(str, cls.CFN_RESOURCE_TYPE_NAME)
        _TYPE_NAMES[cls] = name
    return name


@dataclass(eq=False)
class Element:
    """One L1 resource of the snapshot."""

    construct: cdk.CfnResource
    stack: cdk.Stack
    template: str
    logical_id: str
    type: str
    raw: dict[str, Any]  # CloudFormation properties as CDK renders them (before our rewrite)


@dataclass
class Stats:
    """What the aspect spent, for tests and benchmarks."""

    visits: int = 0
    snapshots: int = 0
    resources_resolved: int = 0
    snapshot_seconds: float = 0.0
    fix_seconds: float = 0.0


class Snapshot:
    """The exec-relevant resources of a stage as CloudFormation, and the analysis over them."""

    def __init__(
        self,
        constructs: list[IConstruct],
        enable_exec_for: set[str] | None = None,
        stats: Stats | None = None,
    ) -> None:
        self.elements: dict[tuple[str, str], Element] = {}
        self.by_construct: dict[str, Element] = {}
        self._by_logical_id: dict[str, list[Element]] = {}
        started = time.perf_counter()
        stacks = [c for c in constructs if isinstance(c, cdk.Stack)]
        owner: dict[str, cdk.Stack] = {}
        # Deeper stacks (nested stacks) own their resources: assign in order of depth.
        with_paths = sorted(((s.node.path, s) for s in stacks), key=lambda p: p[0].count("/"))
        names: dict[str, str] = {}
        for path, stack in with_paths:
            names[_key(stack)] = path.replace("/", "-") + ".template.json"
            for c in stack.node.find_all():
                owner[_key(c)] = stack
        per_stack: dict[str, list[tuple[cdk.CfnResource, str, bool]]] = {}
        for c in constructs:
            if isinstance(c, _RELEVANT):
                entry = (c, _type_name(type(c)), True)
            elif isinstance(c, _TYPE_ONLY):
                entry = (c, _type_name(type(c)), False)
            elif type(c) is cdk.CfnResource:
                rtype = c.cfn_resource_type
                if rtype not in _GENERIC_TYPES:
                    continue
                entry = (c, rtype, True)
            else:
                continue
            holder = owner.get(_key(c))
            if holder is not None:
                per_stack.setdefault(_key(holder), []).append(entry)
        self.templates: dict[str, dict[str, Any]] = {}
        stack_by_id = {_key(s): s for s in stacks}
        for sid, entries in per_stack.items():
            stack = stack_by_id[sid]
            name = names[sid]
            resources: dict[str, Any] = {}
            self.templates[name] = {"Resources": resources}
            for cfn, rtype, lid, raw in self._resolve(stack, entries, stats):
                el = Element(cfn, stack, name, lid, rtype, raw)
                self.elements[(name, lid)] = el
                self.by_construct[_key(cfn)] = el
                self._by_logical_id.setdefault(lid, []).append(el)
                props = copy.deepcopy(raw)
                overrides = _OVERRIDES.get(_key(cfn))
                if overrides is not None:
                    _apply_overrides(props, overrides)
                resources[lid] = {"Type": rtype, "Properties": props}
        self._link_templates()
        if enable_exec_for:
            for key in enable_exec_for:
                svc = self.by_construct.get(key)
                if svc is not None:
                    body = self.templates[svc.template]["Resources"][svc.logical_id]
                    body["Properties"]["EnableExecuteCommand"] = True
        if stats is not None:
            stats.snapshots += 1
            stats.resources_resolved += len(self.elements)
            stats.snapshot_seconds += time.perf_counter() - started
        self.model = Model([(name, body, None) for name, body in self.templates.items()])
        self.ctx = Context(self.model)

    @staticmethod
    def _resolve(
        stack: cdk.Stack,
        entries: list[tuple[cdk.CfnResource, str, bool]],
        stats: Stats | None,
    ) -> Iterator[tuple[cdk.CfnResource, str, str, dict[str, Any]]]:
        lids = [cfn.logical_id for cfn, _, _ in entries]
        props = [cfn._cfn_properties if full else {} for cfn, _, full in entries]
        try:
            resolved = stack.resolve([lids, props])
            resolved_lids, resolved_props = resolved[0], resolved[1]
        except _BRIDGE_ERRORS:
            resolved_lids, resolved_props = [], []
            for i in range(len(entries)):
                try:
                    one = stack.resolve([lids[i], props[i]])
                except _BRIDGE_ERRORS:
                    one = [stack.resolve(lids[i]), None]
                resolved_lids.append(one[0])
                resolved_props.append(one[1])
        for (cfn, rtype, full), lid, value in zip(
            entries, resolved_lids, resolved_props, strict=True
        ):
            rendered: Any = {}
            if full and isinstance(value, dict) and value:
                rendered = value if type(cfn) is cdk.CfnResource else _cfn_case(value)
            yield cfn, rtype, str(lid), rendered if isinstance(rendered, dict) else {}

    def _link_templates(self) -> None:
        """Turn references to another stack's resource into ImportValue of a made-up export.

        ``Stack.resolve`` renders a cross-stack reference in its local form (``Ref`` of a
        logical ID the template does not have) until CDK prepares the app; the analyzer
        follows ``Fn::ImportValue`` to exports, so that is what the snapshot says.
        """
        for name, body in self.templates.items():
            local = body["Resources"]

            def rewrite(value: Any, name: str = name, local: dict[str, Any] = local) -> Any:
                if isinstance(value, list):
                    return [rewrite(v) for v in value]
                if not isinstance(value, dict):
                    return value
                if len(value) == 1:
                    (key, arg), = value.items()
                    target: str | None = None
                    attr: str | None = None
                    if key == "Ref" and isinstance(arg, str):
                        target = arg
                    elif key == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2:
                        target, attr = str(arg[0]), str(arg[1])
                    if target is not None and target not in local and "::" not in target:
                        other = self._unique_elsewhere(target, name)
                        if other is not None:
                            export = f"ecs-exec-guard:{other.template}:{target}:{attr or 'Ref'}"
                            outputs = self.templates[other.template].setdefault("Outputs", {})
                            expr: Any = (
                                {"Ref": target}
                                if attr is None
                                else {"Fn::GetAtt": [target, attr]}
                            )
                            outputs[f"X{len(outputs)}"] = {
                                "Value": expr,
                                "Export": {"Name": export},
                            }
                            return {"Fn::ImportValue": export}
                return {k: rewrite(v) for k, v in value.items()}

            for resource in local.values():
                resource["Properties"] = rewrite(resource["Properties"])

    def _unique_elsewhere(self, logical_id: str, template: str) -> Element | None:
        found = [e for e in self._by_logical_id.get(logical_id, ()) if e.template != template]
        return found[0] if len(found) == 1 else None

    # -- lookups --------------------------------------------------------------------------
    def element(self, res: Resource | None) -> Element | None:
        if res is None:
            return None
        return self.elements.get((res.template.name, res.logical_id))

    def cdk_value(self, value: Any, template: str) -> Any:
        """A CDK value (token) for a CloudFormation value of ``template``'s snapshot."""
        if value is None or isinstance(value, str | int | float | bool):
            return value
        if isinstance(value, list):
            return [self.cdk_value(v, template) for v in value]
        if isinstance(value, dict) and len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" and isinstance(arg, str):
                if arg in _PSEUDO:
                    return _PSEUDO[arg]()
                el = self.elements.get((template, arg)) or self._unique_elsewhere(arg, template)
                if el is not None:
                    return el.construct.ref
            if key == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2:
                el = self.elements.get((template, str(arg[0]))) or self._unique_elsewhere(
                    str(arg[0]), template
                )
                if el is not None:
                    return cdk.Token.as_string(el.construct.get_att(str(arg[1])))
            if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
                parts = self.cdk_value(arg[1], template)
                if isinstance(parts, list):
                    return cdk.Fn.join(str(arg[0]), [str(p) for p in parts])
        return cdk.Token.as_string(value)


# -- nag helpers -----------------------------------------------------------------------------


def flatten_cfn_reference(value: Any) -> str:
    """cdk-nag's ``flattenCfnReference``: how a resource appears in an IAM5 finding ID."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if value.get("Fn::Join"):
            delimiter, items = value["Fn::Join"]
            return str(delimiter).join(flatten_cfn_reference(i) for i in items)
        if value.get("Fn::Sub"):
            return flatten_cfn_reference(value["Fn::Sub"])
        if value.get("Fn::GetAtt"):
            res, attr = value["Fn::GetAtt"]
            return f"<{flatten_cfn_reference(res)}.{flatten_cfn_reference(attr)}>"
        if value.get("Fn::ImportValue"):
            return flatten_cfn_reference(value["Fn::ImportValue"])
        if value.get("Ref"):
            return f"<{flatten_cfn_reference(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))


def _wildcard_findings(document: Any) -> list[str]:
    out: list[str] = []
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for st in statements if isinstance(statements, list) else []:
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        resources = st.get("Resource")
        for r in resources if isinstance(resources, list) else [resources]:
            flat = flatten_cfn_reference(r)
            if "*" in flat and flat not in out:
                out.append(flat)
    return out


# -- the aspect ------------------------------------------------------------------------------


@dataclass
class _Plan:
    """What one batch changes, grouped so that shared resources are changed once."""

    changes: list[str] = field(default_factory=list)
    endpoints: dict[tuple[str, str, str], IConstruct] = field(default_factory=dict)
    endpoint_vpcs: set[tuple[str, str]] = field(default_factory=set)
    egress_done: set[tuple[str, str]] = field(default_factory=set)
    dns_done: set[tuple[str, str]] = field(default_factory=set)
    warned: set[tuple[str, str]] = field(default_factory=set)


@jsii.implements(cdk.IAspect)
class EcsExecAutoFix:
    """Repairs, at synth time, what ECS Exec needs for every exec-enabled service in scope.

    :param permissions: add the ssmmessages (and exec logging / KMS) permissions to the task
        role, creating a task role when the task definition has none.
    :param endpoints: create the ssmmessages interface endpoint (and logs / kms interface and
        s3 gateway endpoints when exec logging or KMS is configured) in a VPC whose exec tasks
        have no route out; one per VPC and service name, reusing existing ones.
    :param egress: allow egress TCP 443 from the task security group when none allows it.
    :param root_filesystem: set ReadonlyRootFilesystem false on the containers that need exec
        (with a warning: Security Hub ECS.5 / CT.ECS.PR.6 trade-off).
    :param platform_version: raise a pinned Fargate platform version below 1.4.0 (Linux) /
        1.0.0 (Windows).
    :param init_process: set LinuxParameters.InitProcessEnabled on the exec containers.
    :param enable_exec: turn exec on for every ECS service in scope first.
    :param exec_containers: limit the container fixes to these container names.
    :param acknowledge_inherent_nag_findings: acknowledge cdk-nag's AwsSolutions-IAM5 on the
        statements this aspect adds that cannot be scoped further.
    """

    def __init__(
        self,
        *,
        permissions: bool = True,
        endpoints: bool = True,
        egress: bool = True,
        root_filesystem: bool = True,
        platform_version: bool = True,
        init_process: bool = True,
        enable_exec: bool = False,
        exec_containers: Iterable[str] | None = None,
        acknowledge_inherent_nag_findings: bool = True,
    ) -> None:
        self.permissions = permissions
        self.endpoints = endpoints
        self.egress = egress
        self.root_filesystem = root_filesystem
        self.platform_version = platform_version
        self.init_process = init_process
        self.enable_exec = enable_exec
        self.exec_containers = (
            frozenset(exec_containers) if exec_containers is not None else None
        )
        self.acknowledge_inherent_nag_findings = acknowledge_inherent_nag_findings
        #: Every change made, as the INFO annotation says it (for tests and tooling).
        self.changes: list[str] = []
        self.stats = Stats()
        self._started = False
        # Services handled (or found not to need handling); values keep the proxies alive.
        self._seen: dict[str, IConstruct] = {}

    # -- entry point ----------------------------------------------------------------------
    def visit(self, node: IConstruct) -> None:
        self.stats.visits += 1
        if not self._started:
            self._started = True
            self._run(node)
            return
        if isinstance(node, ecs.CfnService) and _key(node) not in self._seen:
            # A service created after the batch (e.g. by another aspect): fix it on its own.
            self._run(node)

    def _run(self, scope: IConstruct) -> None:
        in_scope = scope.node.find_all()
        stage = scope if isinstance(scope, cdk.Stage) else cdk.Stage.of(scope)
        everything = (
            in_scope if stage is None or _key(stage) == _key(scope) else stage.node.find_all()
        )
        services = [c for c in in_scope if isinstance(c, ecs.CfnService)]
        for svc in services:
            self._seen[_key(svc)] = svc
        if not services:
            return
        enable: set[str] = set()
        if self.enable_exec:
            enable = {_key(s) for s in services}
        snap = Snapshot(everything, enable, self.stats)
        started = time.perf_counter()
        try:
            _Fixer(self, snap, {_key(s) for s in services}).run()
        finally:
            self.stats.fix_seconds += time.perf_counter() - started


class _Fixer:
    """One batch of fixes over one snapshot."""

    def __init__(self, opts: EcsExecAutoFix, snap: Snapshot, services: set[str]) -> None:
        self.o = opts
        self.snap = snap
        self.ctx = snap.ctx
        self.plan = _Plan()
        self.launches: list[Launch] = []
        for launch in self.ctx.launches:
            el = snap.element(launch.resource)
            if launch.kind == "service" and el is not None and _key(el.construct) in services:
                self.launches.append(launch)

    # -- annotations ----------------------------------------------------------------------
    def info(self, construct: IConstruct, message: str) -> None:
        text = f"{ANNOTATION_PREFIX}: {message}"
        cdk.Annotations.of(construct).add_info(text)
        self.o.changes.append(text)

    def warn(self, construct: IConstruct, code: str, message: str) -> None:
        key = (_key(construct), message)
        if key in self.plan.warned:
            return
        self.plan.warned.add(key)
        cdk.Annotations.of(construct).add_warning_v2(code, f"{ANNOTATION_PREFIX}: {message}")

    # -- the batch ------------------------------------------------------------------------
    def run(self) -> None:
        exec_launches: list[Launch] = []
        for launch in self.launches:
            el = self.snap.element(launch.resource)
            assert el is not None
            if launch.exec_enabled is True and self.o.enable_exec and not truthy(
                el.raw.get("EnableExecuteCommand")
            ):
                el.construct.enable_execute_command = True  # type: ignore[attr-defined]
                self.info(el.construct, "turned ECS Exec on (EnableExecuteCommand: true).")
            if launch.exec_enabled is not False:
                exec_launches.append(launch)
        if not exec_launches:
            return
        by_td: dict[Resource, list[Launch]] = {}
        for launch in exec_launches:
            facts = self.ctx.facts(launch)
            if facts.task_definition is not None:
                by_td.setdefault(facts.task_definition, []).append(launch)
            elif launch.exec_enabled is not False:
                svc = self.snap.element(launch.resource)
                assert svc is not None
                self.warn(
                    svc.construct,
                    WARNING_CANNOT_FIX,
                    f"the task definition of {svc.logical_id} is not in the app; its task role "
                    "and containers cannot be fixed.",
                )
        if self.o.permissions:
            for td, launches in by_td.items():
                self.fix_permissions(td, launches)
        if self.o.endpoints or self.o.egress:
            for launch in exec_launches:
                self.fix_network(launch)
        if self.o.root_filesystem or self.o.init_process:
            for td, launches in by_td.items():
                self.fix_containers(td, launches)
        if self.o.platform_version:
            for launch in exec_launches:
                self.fix_platform(launch)

    # -- 1. task role permissions ---------------------------------------------------------
    def fix_permissions(self, td: Resource, launches: list[Launch]) -> None:
        td_el = self.snap.element(td)
        if td_el is None:
            return
        role, raw = task_role(self.ctx, td)
        if raw is not None and role is None:
            self.warn(
                td_el.construct,
                WARNING_CANNOT_FIX,
                f"task role of {td_el.logical_id} is imported (not defined in this app): "
                "EcsExecAutoFix cannot add the ECS Exec permissions (ssmmessages:"
                "CreateControlChannel/CreateDataChannel/OpenControlChannel/OpenDataChannel on "
                "'*', and the exec logging permissions) to it; grant them where the role is "
                "defined.",
            )
            return
        # Decide on the snapshot first (pure Python): most roles need nothing.
        perms = self.ctx.iam.permissions(role) if role is not None else Permissions()
        ssm_missing = False
        blocked: list[str] = []
        for action in EXEC_ACTIONS:
            decision, _ = perms.evaluate(action)
            if decision is Decision.IMPLICIT_DENY and self._boundary_allows(perms, action):
                ssm_missing = True
            elif decision in (Decision.DENY, Decision.IMPLICIT_DENY):
                blocked.append(action)
        log_needs = self.logging_needs(launches, perms, role, blocked)
        role_label = (
            f"task role {role.logical_id}" if role is not None else "the new task role"
        )
        if blocked:
            self.warn(
                td_el.construct,
                WARNING_CANNOT_FIX,
                f"{role_label} of {td_el.logical_id} denies {', '.join(blocked)} (an explicit "
                "Deny or its permissions boundary); EcsExecAutoFix does not override a Deny.",
            )
        if not ssm_missing and not log_needs:
            return
        l2_role: iam.Role | None
        cfn_role: iam.CfnRole | None
        if role is None:
            l2_role, cfn_role = self.create_task_role(td_el), None
        else:
            role_el = self.snap.element(role)
            target = self.role_target(td_el, role_el) if role_el is not None else None
            if target is None:
                return
            l2_role, cfn_role = target
        if ssm_missing:
            statement = iam.PolicyStatement(
                sid="EcsExecSsmMessages",
                actions=list(EXEC_ACTIONS),
                resources=["*"],
            )
            self.add_policy(l2_role, cfn_role, SSM_POLICY_ID, [statement], ssm=True)
        if log_needs:
            statements = [
                iam.PolicyStatement(
                    actions=actions,
                    resources=[self.log_resource(actions[0], cfg, exec_cfg, template)],
                )
                for actions, cfg, exec_cfg, template in log_needs.values()
            ]
            self.add_policy(l2_role, cfn_role, LOG_POLICY_ID, statements, ssm=False)

    @staticmethod
    def _boundary_allows(perms: Permissions, action: str, target: str = "*") -> bool:
        if perms.boundary is None:
            return True
        return perms.boundary.evaluate(action, target)[0] is Decision.ALLOW

    def role_target(
        self, td_el: Element, role_el: Element
    ) -> tuple[iam.Role | None, iam.CfnRole | None] | None:
        """The L2 role (or raw L1 role) to attach policies to; None (with a warning) if not."""
        td_parent = td_el.construct.node.scope
        if isinstance(td_parent, ecs.TaskDefinition):
            task_role_l2 = td_parent.task_role
            if not isinstance(task_role_l2, iam.Role):
                self.warn(
                    td_el.construct,
                    WARNING_CANNOT_FIX,
                    f"task role {role_el.logical_id} of {td_el.logical_id} is immutable "
                    "(without_policy_updates / mutable=False): aws-cdk-lib drops statements "
                    "added to it, so EcsExecAutoFix leaves it alone; grant the ECS Exec "
                    "permissions (ssmmessages:CreateControlChannel/CreateDataChannel/"
                    "OpenControlChannel/OpenDataChannel on '*') to it explicitly.",
                )
                return None
        cfn_role = role_el.construct
        role_parent = cfn_role.node.scope
        if isinstance(role_parent, iam.Role) and _owns(role_parent, cfn_role):
            return role_parent, None
        return None, cast(iam.CfnRole, cfn_role)

    def create_task_role(self, td_el: Element) -> iam.Role:
        cfn_td = cast(ecs.CfnTaskDefinition, td_el.construct)
        scope = cast(Construct, cfn_td.node.scope)
        role_id = _unique_id(scope, f"{cfn_td.node.id}{TASK_ROLE_ID}")
        role = iam.Role(
            scope,
            role_id,
            assumed_by=cast(iam.IPrincipal, iam.ServicePrincipal("ecs-tasks.amazonaws.com")),
            description="ECS task role for ECS Exec (created by ecs-exec-guard EcsExecAutoFix)",
        )
        cfn_td.task_role_arn = role.role_arn
        self.info(cfn_td, f"created task role {role.node.path} (it had none) for ECS Exec.")
        return role

    def logging_needs(
        self,
        launches: list[Launch],
        perms: Permissions,
        role: Resource | None,
        blocked: list[str],
    ) -> dict[str, tuple[list[str], Any, Any, str]]:
        """What the clusters' exec logging / KMS need and the role lacks, grouped by resource:
        key -> (actions, LogConfiguration, ExecuteCommandConfiguration, cluster template)."""
        clusters: list[Resource] = []
        for launch in launches:
            cluster = self.ctx.facts(launch).cluster
            if cluster is not None and cluster not in clusters:
                clusters.append(cluster)
        by_resource: dict[str, tuple[list[str], Any, Any, str]] = {}
        for cluster in clusters:
            needs, _ = exec_log_requirements(self.ctx, cluster)
            el = self.snap.element(cluster)
            if not needs or el is None:
                continue
            exec_cfg = get_ci(el.raw.get("Configuration"), "ExecuteCommandConfiguration")
            cfg = get_ci(exec_cfg, "LogConfiguration")
            for action, target in needs:
                if is_unknown(target):
                    continue
                decision, _ = perms.evaluate(action, target)
                if (
                    decision is Decision.IMPLICIT_DENY
                    and action.startswith("kms:")
                    and role is not None
                    and key_policy_allows(self.ctx, role, action, target)
                ):
                    continue
                if decision is Decision.DENY or (
                    decision is Decision.IMPLICIT_DENY
                    and not self._boundary_allows(perms, action, target)
                ):
                    if action not in blocked:
                        blocked.append(action)
                    continue
                if decision is not Decision.IMPLICIT_DENY:
                    continue
                key = json.dumps(
                    self._raw_resource(action, cfg, exec_cfg), sort_keys=True, default=str
                )
                entry = by_resource.setdefault(key, ([], cfg, exec_cfg, el.template))
                if action not in entry[0]:
                    entry[0].append(action)
        return by_resource

    @staticmethod
    def _raw_resource(action: str, cfg: Any, exec_cfg: Any) -> Any:
        if action in ("logs:DescribeLogGroups", "s3:GetBucketLocation"):
            return "*"
        if action.startswith("logs:"):
            return ["logs", get_ci(cfg, "CloudWatchLogGroupName")]
        if action == "s3:PutObject":
            return ["s3obj", get_ci(cfg, "S3BucketName"), get_ci(cfg, "S3KeyPrefix")]
        if action.startswith("s3:"):
            return ["s3", get_ci(cfg, "S3BucketName")]
        return ["kms", get_ci(exec_cfg, "KmsKeyId")]

    def log_resource(self, action: str, cfg: Any, exec_cfg: Any, template: str) -> Any:
        """The IAM resource (a CDK value) for one exec logging action."""
        if action in ("logs:DescribeLogGroups", "s3:GetBucketLocation"):
            return "*"
        partition = cdk.Aws.PARTITION
        if action.startswith("logs:"):
            group = self.snap.cdk_value(get_ci(cfg, "CloudWatchLogGroupName"), template)
            return (
                f"arn:{partition}:logs:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:log-group:"
                f"{group}:*"
            )
        if action.startswith("s3:"):
            bucket = self.snap.cdk_value(get_ci(cfg, "S3BucketName"), template)
            if action == "s3:PutObject":
                prefix = self.snap.cdk_value(get_ci(cfg, "S3KeyPrefix") or "", template)
                return f"arn:{partition}:s3:::{bucket}/{prefix}*"
            return f"arn:{partition}:s3:::{bucket}"
        key = get_ci(exec_cfg, "KmsKeyId")
        if key is None:
            return None
        value = self.snap.cdk_value(key, template)
        # KmsKeyId may be a key ID (a literal, or the Ref of an AWS::KMS::Key); IAM policies
        # name keys by ARN.
        is_id = (isinstance(key, dict) and set(key) == {"Ref"}) or (
            isinstance(key, str) and not key.startswith(("arn:", "alias/"))
        )
        if is_id:
            return f"arn:{partition}:kms:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:key/{value}"
        return value

    def add_policy(
        self,
        l2_role: iam.Role | None,
        cfn_role: iam.CfnRole | None,
        policy_id: str,
        statements: list[iam.PolicyStatement],
        *,
        ssm: bool,
    ) -> None:
        what = (
            "the four ssmmessages actions on '*' that ECS Exec needs"
            if ssm
            else "the exec session logging / KMS permissions the cluster's exec configuration "
            "needs"
        )
        document = iam.PolicyDocument(statements=statements)
        policy: IConstruct
        if l2_role is not None:
            pid = _unique_id(l2_role, policy_id)
            l2_policy = iam.Policy(l2_role, pid, document=document)
            l2_role.attach_inline_policy(l2_policy)
            policy = l2_policy
            owner: IConstruct = l2_role
        else:
            assert cfn_role is not None
            scope = cast(Construct, cfn_role.node.scope)
            pid = _unique_id(scope, f"{cfn_role.node.id}{policy_id}")
            policy = iam.CfnPolicy(
                scope,
                pid,
                policy_document=document,
                policy_name=f"ecs-exec-guard-{'ssmmessages' if ssm else 'logging'}",
                roles=[cfn_role.ref],
            )
            owner = cfn_role
        self.info(owner, f"added policy {policy.node.path} with {what}.")
        if not self.o.acknowledge_inherent_nag_findings:
            return
        if ssm:
            cdk.Validations.of(policy).acknowledge(
                cdk.Acknowledgment(id=ACK_NAG_IAM5_WILDCARD, reason=_SSM_REASON)
            )
            return
        resolved = cdk.Stack.of(policy).resolve(document)
        ids = [f"{NAG_IAM5_PREFIX}[Resource::{flat}]" for flat in _wildcard_findings(resolved)]
        if ids:
            cdk.Validations.of(policy).acknowledge(
                *[cdk.Acknowledgment(id=i, reason=_LOG_REASON) for i in ids]
            )

    # -- 2./3. network path and egress ----------------------------------------------------
    def fix_network(self, launch: Launch) -> None:
        a = self.ctx.network(launch)
        svc = self.snap.element(launch.resource)
        if a is None or svc is None:
            return
        if a.unknown and (a.needs_endpoint or not a.vpcs or a.egress is None):
            self.warn(
                svc.construct,
                WARNING_CANNOT_FIX,
                f"the network path of {svc.logical_id} to ssmmessages cannot be verified ("
                + "; ".join(dict.fromkeys(a.unknown))
                + "). EcsExecAutoFix creates no endpoint in a VPC outside the app (imported "
                "with Vpc.from_lookup / from_vpc_attributes): make sure the tasks reach "
                "ssmmessages (NAT, or an ssmmessages interface endpoint with private DNS).",
            )
        new_ssm_endpoint = False
        if a.needs_endpoint and self.o.endpoints:
            cluster = self.ctx.facts(launch).cluster
            wanted: set[str] = set()
            if a.ssm_endpoint is None and not a.endpoint_problems:
                wanted.add("ssmmessages")
            if cluster is not None:
                needs, _ = exec_log_requirements(self.ctx, cluster)
                wanted |= {action.split(":", 1)[0] for action, _ in needs}
            for vpc in a.vpcs:
                existing = service_endpoints(self.ctx.net, [vpc])
                if self._ssm_endpoints(vpc):
                    existing.add("ssmmessages")
                subnets = [s for s in a.subnets if self.ctx.net.vpc_of(s) == vpc]
                for service in sorted(wanted - existing):
                    self.ensure_endpoint(vpc, service, subnets)
                vpc_el = self.snap.element(vpc)
                if vpc_el is not None and (
                    vpc_el.template, vpc_el.logical_id, "ssmmessages"
                ) in self.plan.endpoints:
                    new_ssm_endpoint = True
            self.repair_ssm_endpoints(a, svc)
        if not self.o.egress:
            return
        if new_ssm_endpoint:
            self.fix_egress(launch, a.vpcs, True, svc)
        elif a.egress is False and not (a.needs_endpoint and a.ssm_endpoint is None):
            self.fix_egress(launch, a.vpcs, a.private_dns_endpoint is not None, svc)

    def _ssm_endpoints(self, vpc: Resource) -> list[Any]:
        return [ep for ep in self.ctx.net.endpoints.get(vpc, ()) if ep.service == "ssmmessages"]

    def repair_ssm_endpoints(self, a: Any, svc: Element) -> None:
        """Make an existing ssmmessages endpoint admit the tasks (or say why it cannot)."""
        for ep, problem in a.endpoint_problems:
            ep_el = self.snap.element(ep.resource)
            if ep_el is None:
                continue
            sg = self.ctx.model.deref(
                ep.security_groups[0] if ep.security_groups else None, "AWS::EC2::SecurityGroup"
            )
            sg_el = self.snap.element(sg)
            vpc = self.ctx.model.deref(ep.resource.props.get("VpcId"), "AWS::EC2::VPC")
            vpc_el = self.snap.element(vpc)
            if "do not admit" in problem and sg_el is not None and vpc_el is not None:
                if not self._https_rule(
                    "ingress",
                    sg_el,
                    self.vpc_cidr(vpc_el),
                    "HTTPS from the VPC to the ssmmessages endpoint (ECS Exec)",
                ):
                    continue
                self.info(
                    sg_el.construct,
                    f"allowed TCP 443 from the VPC CIDR into {sg_el.logical_id}, the security "
                    f"group of ssmmessages endpoint {ep_el.logical_id}.",
                )
            else:
                self.warn(
                    ep_el.construct,
                    WARNING_CANNOT_FIX,
                    f"ssmmessages endpoint {ep_el.logical_id} is not usable by "
                    f"{svc.logical_id}: {problem}; EcsExecAutoFix does not change it and does "
                    "not create a second one.",
                )

    def ensure_endpoint(self, vpc: Resource, service: str, subnets: list[Resource]) -> None:
        vpc_el = self.snap.element(vpc)
        if vpc_el is None:
            return
        key = (vpc_el.template, vpc_el.logical_id, service)
        if key in self.plan.endpoints:
            return
        cfn_vpc = cast(ec2.CfnVPC, vpc_el.construct)
        self.ensure_dns(vpc_el)
        l2_vpc = cfn_vpc.node.scope
        name = _INTERFACE_SERVICES[service][0] if service in _INTERFACE_SERVICES else "S3"
        endpoint: IConstruct
        if isinstance(l2_vpc, ec2.Vpc) and _owns(l2_vpc, cfn_vpc):
            eid = _unique_id(l2_vpc, f"EcsExec{name}Endpoint")
            if service == "s3":
                endpoint = l2_vpc.add_gateway_endpoint(
                    eid, service=ec2.GatewayVpcEndpointAwsService.S3
                )
            else:
                interface = l2_vpc.add_interface_endpoint(
                    eid,
                    service=_INTERFACE_SERVICES[service][1](),
                    private_dns_enabled=True,
                    open=False,
                )
                interface.connections.allow_default_port_from(
                    ec2.Peer.ipv4(self.vpc_cidr(vpc_el)), "HTTPS from the VPC (ECS Exec)"
                )
                endpoint = interface
            owner: IConstruct = l2_vpc
        else:
            created = self.l1_endpoint(vpc_el, service, name, subnets)
            if created is None:
                return
            endpoint = created
            owner = cfn_vpc
        self.plan.endpoints[key] = endpoint
        kind = "gateway" if service == "s3" else "interface"
        self.info(
            owner,
            f"created {kind} VPC endpoint {endpoint.node.path} for {service}"
            + (" (private DNS, TCP 443 open to the VPC CIDR)" if kind == "interface" else "")
            + " so that exec tasks without a route out reach it.",
        )

    def l1_endpoint(
        self, vpc_el: Element, service: str, name: str, subnets: list[Resource]
    ) -> IConstruct | None:
        cfn_vpc = cast(ec2.CfnVPC, vpc_el.construct)
        scope = cast(Construct, cfn_vpc.node.scope)
        base = cfn_vpc.node.id
        service_name = cdk.Fn.join("", ["com.amazonaws.", cdk.Aws.REGION, f".{service}"])
        mine = subnets
        if service == "s3":
            tables: list[str] = []
            for subnet in mine:
                rt = self.ctx.net.route_table.get(subnet)
                rt_el = self.snap.element(rt) if isinstance(rt, Resource) else None
                if rt_el is not None and rt_el.construct.ref not in tables:
                    tables.append(rt_el.construct.ref)
            if not tables:
                self.warn(
                    cfn_vpc,
                    WARNING_CANNOT_FIX,
                    "the exec tasks' subnets use the VPC's main route table, which "
                    "CloudFormation cannot reference: add the s3 gateway endpoint yourself.",
                )
                return None
            return ec2.CfnVPCEndpoint(
                scope,
                _unique_id(scope, f"{base}EcsExec{name}Endpoint"),
                vpc_id=cfn_vpc.ref,
                service_name=service_name,
                vpc_endpoint_type="Gateway",
                route_table_ids=tables,
            )
        sg_key = (vpc_el.template, vpc_el.logical_id, "sg")
        sg = self.plan.endpoints.get(sg_key)
        if sg is None:
            sg = ec2.CfnSecurityGroup(
                scope,
                _unique_id(scope, f"{base}{ENDPOINT_SG_ID}"),
                group_description="HTTPS from the VPC to interface endpoints for ECS Exec "
                "(ecs-exec-guard)",
                vpc_id=cfn_vpc.ref,
                security_group_ingress=[
                    ec2.CfnSecurityGroup.IngressProperty(
                        ip_protocol="tcp",
                        from_port=443,
                        to_port=443,
                        cidr_ip=self.vpc_cidr(vpc_el),
                        description="HTTPS from the VPC",
                    )
                ],
            )
            self.plan.endpoints[sg_key] = sg
        subnet_ids: list[str] = []
        zones: set[str] = set()
        for subnet in mine:
            el = self.snap.element(subnet)
            if el is None:
                continue
            zone = json.dumps(el.raw.get("AvailabilityZone"), sort_keys=True, default=str)
            if zone in zones:
                continue
            zones.add(zone)
            subnet_ids.append(el.construct.ref)
        return ec2.CfnVPCEndpoint(
            scope,
            _unique_id(scope, f"{base}EcsExec{name}Endpoint"),
            vpc_id=cfn_vpc.ref,
            service_name=service_name,
            vpc_endpoint_type="Interface",
            private_dns_enabled=True,
            subnet_ids=subnet_ids,
            security_group_ids=[cast(ec2.CfnSecurityGroup, sg).attr_group_id],
        )

    @staticmethod
    def vpc_cidr(vpc_el: Element) -> str:
        """The VPC's CIDR: the literal when the template has it, else ``Fn::GetAtt CidrBlock``.

        The literal keeps cdk-nag's AwsSolutions-EC23 quiet: it cannot resolve a CIDR token and
        reports any rule that has one.
        """
        cidr = vpc_el.raw.get("CidrBlock")
        if isinstance(cidr, str):
            try:
                ipaddress.IPv4Network(cidr)
                return cidr
            except ValueError:
                pass
        return cast(ec2.CfnVPC, vpc_el.construct).attr_cidr_block

    def ensure_dns(self, vpc_el: Element) -> None:
        """Private DNS on an endpoint needs DNS support and hostnames on the VPC."""
        key = (vpc_el.template, vpc_el.logical_id)
        if key in self.plan.dns_done:
            return
        self.plan.dns_done.add(key)
        cfn_vpc = cast(ec2.CfnVPC, vpc_el.construct)
        changed: list[str] = []
        if truthy(vpc_el.raw.get("EnableDnsHostnames", False)) is not True:
            cfn_vpc.enable_dns_hostnames = True
            changed.append("EnableDnsHostnames")
        if truthy(vpc_el.raw.get("EnableDnsSupport", True)) is False:
            cfn_vpc.enable_dns_support = True
            changed.append("EnableDnsSupport")
        if changed:
            self.info(
                cfn_vpc,
                f"set {' and '.join(changed)} to true: interface endpoints with private DNS "
                "need them.",
            )

    def fix_egress(
        self, launch: Launch, vpcs: list[Resource], endpoint_path: bool, svc: Element
    ) -> None:
        cfg = launch.awsvpc if isinstance(launch.awsvpc, dict) else None
        if cfg is None:
            return
        groups = [g for g in (get_ci(cfg, "SecurityGroups") or [])]
        if not groups:
            return
        vpc_el = self.snap.element(vpcs[0]) if len(vpcs) == 1 else None
        if endpoint_path and vpc_el is not None:
            cidr_value = vpcs[0].props.get("CidrBlock")
            verdict, _ = egress_allows(self.ctx.model, self.ctx.net, groups, [], [cidr_value])
            dest: Any = self.vpc_cidr(vpc_el)
            where = "the VPC CIDR (the ssmmessages endpoint)"
        elif endpoint_path:
            return
        else:
            verdict, _ = egress_allows(self.ctx.model, self.ctx.net, groups, [], ["0.0.0.0/0"])
            dest = "0.0.0.0/0"
            where = "0.0.0.0/0 (ssmmessages over the internet)"
        if verdict is not False:
            return
        sg = None
        for raw in groups:
            sg = self.snap.element(self.ctx.model.deref(raw, "AWS::EC2::SecurityGroup"))
            if sg is not None:
                break
        if sg is None:
            self.warn(
                svc.construct,
                WARNING_CANNOT_FIX,
                f"no security group of {svc.logical_id} allows egress TCP 443 and none is "
                "defined in this app; allow it where the security group is defined.",
            )
            return
        if not self._https_rule(
            "egress", sg, dest, "HTTPS to ssmmessages for ECS Exec (ecs-exec-guard)"
        ):
            return
        self.info(
            sg.construct,
            f"allowed egress TCP 443 to {where} from {sg.logical_id}, the security group of "
            f"{svc.logical_id}.",
        )

    def _https_rule(self, direction: str, sg: Element, cidr: Any, description: str) -> bool:
        """Add one TCP 443 rule to ``sg`` (once per group and direction); False if done."""
        ingress = direction == "ingress"
        key = (sg.template, sg.logical_id + (":in" if ingress else ""))
        if key in self.plan.egress_done:
            return False
        self.plan.egress_done.add(key)
        scope, rid = self._rule_scope(sg, INGRESS_ID if ingress else EGRESS_ID)
        rule = ec2.CfnSecurityGroupIngress if ingress else ec2.CfnSecurityGroupEgress
        rule(
            scope,
            rid,
            group_id=cdk.Token.as_string(sg.construct.get_att("GroupId")),
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ip=cidr,
            description=description,
        )
        return True

    @staticmethod
    def _rule_scope(sg: Element, base: str) -> tuple[Construct, str]:
        parent = sg.construct.node.scope
        if isinstance(parent, ec2.SecurityGroup) and _owns(parent, sg.construct):
            return parent, _unique_id(parent, base)
        scope = cast(Construct, parent)
        return scope, _unique_id(scope, f"{sg.construct.node.id}{base}")

    # -- 4./6. containers -----------------------------------------------------------------
    def fix_containers(self, td: Resource, launches: list[Launch]) -> None:
        el = self.snap.element(td)
        if el is None:
            return
        definitions = td.props.get("ContainerDefinitions")
        if not isinstance(definitions, list):
            return
        windows = self.ctx.facts(launches[0]).windows
        names = [c.get("Name") if isinstance(c, dict) else None for c in definitions]
        wanted = self.o.exec_containers
        flipped: list[str] = []
        init: list[str] = []
        cfn = el.construct
        for i, c in enumerate(definitions):
            if not isinstance(c, dict):
                continue
            name = names[i]
            if wanted is not None and name not in wanted:
                continue
            label = name if isinstance(name, str) else f"#{i}"
            if self.o.root_filesystem and truthy(c.get("ReadonlyRootFilesystem")) is True:
                _override(cfn, f"ContainerDefinitions.{i}.ReadonlyRootFilesystem", False)
                flipped.append(label)
            if (
                self.o.init_process
                and not windows
                and truthy(get_ci(c.get("LinuxParameters"), "InitProcessEnabled")) is not True
            ):
                _override(cfn, f"ContainerDefinitions.{i}.LinuxParameters.InitProcessEnabled", True)
                init.append(label)
        present = sorted(n for n in names if isinstance(n, str) and wanted and n in wanted)
        if wanted is not None and present:
            # Tell the checks which containers are meant for exec: the others may stay
            # read-only without an EcsExec-CTR1 error. A task definition with none of the
            # named containers gets no such metadata, so the checks still see all of them.
            cfn.add_metadata(EXEC_CONTAINERS_METADATA, present)
        done: list[str] = []
        if flipped:
            done.append(
                f"set ReadonlyRootFilesystem to false on container(s) {', '.join(flipped)} "
                "(ECS Exec's SSM agent writes to the root filesystem)"
            )
        if init:
            done.append(
                f"set LinuxParameters.InitProcessEnabled to true on container(s) "
                f"{', '.join(init)} (reaps the SSM agent's orphaned child processes)"
            )
        if done:
            self.info(cfn, f"{el.logical_id}: " + "; ".join(done) + ".")
        if flipped:
            kept = [
                n for n, c in zip(names, definitions, strict=True)
                if isinstance(c, dict) and isinstance(n, str) and n not in flipped
                and truthy(c.get("ReadonlyRootFilesystem")) is True
            ]
            self.warn(
                cfn,
                WARNING_ROOT_FS,
                f"container(s) {', '.join(flipped)} of {el.logical_id} lost their read-only "
                "root filesystem so that ECS Exec works. This fails Security Hub control ECS.5,"
                " AWS Config rule ecs-containers-readonly-access and Control Tower control "
                "CT.ECS.PR.6 for them: acknowledge those controls for these containers, or "
                "limit the change with EcsExecAutoFix(exec_containers=[...])."
                + (f" Container(s) {', '.join(kept)} stay read-only and cannot be exec'd into."
                   if kept else ""),
            )

    # -- 5. platform version --------------------------------------------------------------
    def fix_platform(self, launch: Launch) -> None:
        facts = self.ctx.facts(launch)
        if facts.capacity.kind != "FARGATE":
            return
        version = launch.platform_version
        m = _VERSION.match(version) if isinstance(version, str) else None
        if m is None:
            return
        minimum, text = _WINDOWS_MIN if facts.windows else _LINUX_MIN
        if tuple(int(g) for g in m.groups()) >= minimum:
            return
        el = self.snap.element(launch.resource)
        if el is None:
            return
        cast(ecs.CfnService, el.construct).platform_version = text
        self.info(
            el.construct,
            f"raised the Fargate platform version from {version} to {text}, the first with "
            f"ECS Exec on {'Windows' if facts.windows else 'Linux'}.",
        )


def _unique_id(scope: IConstruct, base: str) -> str:
    candidate = base
    n = 2
    while scope.node.try_find_child(candidate) is not None:
        candidate = f"{base}{n}"
        n += 1
    return candidate


# -- Mixins ----------------------------------------------------------------------------------
# Targeted, construction-time versions of the cheap fixes. They read only the construct they
# are applied to (no snapshot, no analysis of the rest of the app), so they cost a few bridge
# calls each. The network and permission fixes need the whole app and stay in the aspect.


def _service_l1(construct: IConstruct) -> ecs.CfnService | None:
    if isinstance(construct, ecs.CfnService):
        return construct
    child = construct.node.default_child
    return child if isinstance(child, ecs.CfnService) else None


class EcsExecEnableMixin(cdk.Mixin):
    """Turns ECS Exec on for a service (L2 ``BaseService`` or ``CfnService``).

    Unlike ``enable_execute_command=True`` on an L2 service this adds no permissions: apply
    ``EcsExecAutoFix`` (or grant them) as well.
    """

    def supports(self, construct: IConstruct) -> bool:
        return _service_l1(construct) is not None

    def apply_to(self, construct: IConstruct) -> None:
        cfn = _service_l1(construct)
        if cfn is None or cfn.enable_execute_command is True:
            return
        cfn.enable_execute_command = True
        cdk.Annotations.of(cfn).add_info(
            f"{ANNOTATION_PREFIX}: turned ECS Exec on (EnableExecuteCommand: true)."
        )


class EcsExecPlatformVersionMixin(cdk.Mixin):
    """Raises a Fargate service's pinned platform version to the first that supports exec."""

    def __init__(self, *, windows: bool = False) -> None:
        super().__init__()
        self.windows = windows

    def supports(self, construct: IConstruct) -> bool:
        return _service_l1(construct) is not None

    def apply_to(self, construct: IConstruct) -> None:
        cfn = _service_l1(construct)
        if cfn is None:
            return
        version = cfn.platform_version
        m = _VERSION.match(version) if isinstance(version, str) else None
        minimum, text = _WINDOWS_MIN if self.windows else _LINUX_MIN
        if m is None or tuple(int(g) for g in m.groups()) >= minimum:
            return
        cfn.platform_version = text
        cdk.Annotations.of(cfn).add_info(
            f"{ANNOTATION_PREFIX}: raised the Fargate platform version from {version} to {text}."
        )


class EcsExecContainerMixin(cdk.Mixin):
    """Makes an L2 ``ContainerDefinition`` exec-ready: writable root filesystem, init process.

    Apply it to the containers you exec into (``Mixins.of(container).apply(...)``): it is the
    construction-time form of ``EcsExecAutoFix(exec_containers=[...])`` for one container.
    The overrides are registered, so ``EcsExecAutoFix`` sees them and does not repeat them.
    """

    def __init__(self, *, root_filesystem: bool = True, init_process: bool = True) -> None:
        """:param init_process: set it False for Windows containers (no init process there)."""
        super().__init__()
        self.root_filesystem = root_filesystem
        self.init_process = init_process

    def supports(self, construct: IConstruct) -> bool:
        return isinstance(construct, ecs.ContainerDefinition)

    def apply_to(self, construct: IConstruct) -> None:
        if not isinstance(construct, ecs.ContainerDefinition):
            return
        td = construct.task_definition
        cfn = td.node.default_child
        if not isinstance(cfn, ecs.CfnTaskDefinition):
            return
        siblings = [c for c in td.node.children if isinstance(c, ecs.ContainerDefinition)]
        index = next(i for i, c in enumerate(siblings) if _key(c) == _key(construct))
        # What the task definition will render for this container (one call, nothing cached).
        rendered = construct.render_container_definition()
        linux = rendered.linux_parameters
        init_on = isinstance(linux, ecs.CfnTaskDefinition.LinuxParametersProperty) and (
            linux.init_process_enabled is True
        )
        name = construct.container_name
        done: list[str] = []
        if self.root_filesystem and rendered.readonly_root_filesystem is True:
            _override(cfn, f"ContainerDefinitions.{index}.ReadonlyRootFilesystem", False)
            done.append("ReadonlyRootFilesystem false")
            cdk.Annotations.of(cfn).add_warning_v2(
                WARNING_ROOT_FS,
                f"{ANNOTATION_PREFIX}: container {name} lost its read-only root filesystem so "
                "that ECS Exec works. This fails Security Hub control ECS.5, AWS Config rule "
                "ecs-containers-readonly-access and Control Tower control CT.ECS.PR.6 for it: "
                "acknowledge those controls for this container.",
            )
        if self.init_process and not init_on:
            _override(
                cfn, f"ContainerDefinitions.{index}.LinuxParameters.InitProcessEnabled", True
            )
            done.append("LinuxParameters.InitProcessEnabled true")
        if done:
            cdk.Annotations.of(cfn).add_info(
                f"{ANNOTATION_PREFIX}: set {' and '.join(done)} on container {name}."
            )
