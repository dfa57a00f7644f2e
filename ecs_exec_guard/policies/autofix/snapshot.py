"""The snapshot: the exec-relevant L1 resources of a stage, read as CloudFormation.

Each stack holding resource types that matter for exec (ECS, IAM, VPC, security groups,
endpoints, KMS, ...) is rendered by CDK in one call (``render.py``); a stack that cannot be
rendered has those resources' properties resolved with one ``Stack.resolve`` and cased as
CloudFormation spells them, the overrides this package registered replayed. Cross-stack
references become ``ImportValue`` of made-up exports. The pure-Python
analyzer then runs over the snapshot exactly as it runs over synthesized templates, so the
fixes and the checks agree by construction.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_batch as batch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_pipes as pipes
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

from ...analysis.model import Model, Resource
from ...analysis.rules import Context
from .common import BRIDGE_ERRORS, Stats, construct_key
from .overrides import OVERRIDES, apply_overrides
from .references import ProduceContext, ReferenceRecorder, token_strings
from .render import Renderer, align, resource_type, stack_owners

# Resource types the analyzer reads for exec. Types listed in _TYPE_ONLY matter only as the
# target of a reference, so their properties are not resolved (saves bridge calls).
_RELEVANT: tuple[type[cdk.CfnResource], ...] = (
    ecs.CfnService,
    ecs.CfnTaskDefinition,
    ecs.CfnDaemon,
    ecs.CfnDaemonTaskDefinition,
    pipes.CfnPipe,
    batch.CfnJobDefinition,
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
    ec2.CfnNatGateway,
    ec2.CfnVPCGatewayAttachment,
    ec2.CfnNetworkAcl,
    ec2.CfnNetworkAclEntry,
    ec2.CfnSubnetNetworkAclAssociation,
    ec2.CfnPrefixList,
    ec2.CfnNetworkInterface,
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
    ec2.CfnEgressOnlyInternetGateway,
    logs.CfnLogGroup,
    s3.CfnBucket,
)
_GENERIC_TYPES = ("Custom::VpcRestrictDefaultSG",)


# Property names whose CloudFormation spelling is not the camelCase one capitalized, and
# properties whose values are free-form JSON (kept as they are).
_RENAMES = {
    "VpcZoneIdentifier": "VPCZoneIdentifier",
    "EnableEcsManagedTags": "EnableECSManagedTags",
}
_SOURCE_NAMES = {cfn: name[:1].lower() + name[1:] for name, cfn in _RENAMES.items()}
_SNAKE = re.compile(r"(?<=[a-z0-9])([A-Z])")
# The return annotations (as jsii writes them) of L1 properties holding one string.
_STRING_TYPES = frozenset({"builtins.str", "typing.Optional[builtins.str]"})
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



def _structured(value: Any) -> bool:
    """Whether a rendered property value is a list or an object other than one intrinsic."""
    if isinstance(value, list):
        return True
    return isinstance(value, dict) and not (
        len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::ImportValue")
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


class Element:
    """One L1 resource of the snapshot."""

    def __init__(
        self,
        construct: cdk.CfnResource,
        stack: cdk.Stack,
        template: str,
        logical_id: str,
        type: str,
        raw: dict[str, Any],
        source: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.construct = construct
        self.stack = stack
        self.template = template
        self.logical_id = logical_id
        self.type = type
        #: CloudFormation properties as CDK renders them (before the snapshot's rewrite).
        self.raw = raw
        self._source = source
        #: The resource's rendered Metadata (None when not rendered: read from the L1).
        self._metadata = metadata

    def get_metadata(self, key: str) -> Any:
        """The resource's metadata entry ``key`` (``CfnResource.get_metadata``)."""
        if self._metadata is not None:
            return self._metadata.get(key)
        return self.construct.get_metadata(key)

    @property
    def has_source(self) -> bool:
        """Whether ``source`` has been read (or was given)."""
        return self._source is not None

    @property
    def source(self) -> dict[str, Any]:
        """The L1's unresolved properties (``_cfn_properties``: tokens, camelCase keys), read
        when needed (one bridge call) to find which stack an ambiguous cross-stack reference
        targets."""
        if self._source is None:
            try:
                value = self.construct._cfn_properties
            except BRIDGE_ERRORS:
                value = {}
            self._source = dict(value) if isinstance(value, dict) else {}
        return self._source


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
        # _referenced's caches: the token strings of an element's property, the property's
        # unresolved value by those strings, and the references found in it.
        self._strings: dict[tuple[str, str], tuple[str, str]] = {}
        self._sources: dict[str, Any] = {}
        self._targets: dict[str, dict[tuple[str, str | None], set[str]]] = {}
        self._tokens: dict[tuple[str, str | None], str | None] = {}
        self._contexts: dict[str, ProduceContext] = {}
        started = time.perf_counter()
        owners = stack_owners(constructs)
        names = {
            construct_key(stack): path.replace("/", "-") + ".template.json"
            for stack, path in owners.paths.items()
        }
        per_stack: dict[str, list[tuple[cdk.CfnResource, str, bool]]] = {}
        every_l1: dict[str, list[tuple[cdk.CfnResource, str | None]]] = {}
        # The construct before each L1 in pre-order (read by ``security_group_l2``).
        self._before: dict[str, IConstruct] = {}
        for i, c in enumerate(constructs):
            if not isinstance(c, cdk.CfnResource):
                continue
            if i > 0:
                self._before[construct_key(c)] = constructs[i - 1]
            holder = owners.of[i]
            if holder is None:
                continue
            sid = construct_key(holder)
            rtype = resource_type(c)
            every_l1.setdefault(sid, []).append((c, rtype))
            if rtype is None:
                continue
            if isinstance(c, _RELEVANT):
                entry = (c, rtype, True)
            elif isinstance(c, _TYPE_ONLY):
                entry = (c, rtype, False)
            elif type(c) is cdk.CfnResource and rtype in _GENERIC_TYPES:
                entry = (c, rtype, True)
            else:
                continue
            per_stack.setdefault(sid, []).append(entry)
        self.templates: dict[str, dict[str, Any]] = {}
        stack_by_id = {construct_key(s): s for s in owners.paths}
        renderer = Renderer()
        try:
            for sid, entries in per_stack.items():
                stack = stack_by_id[sid]
                name = names[sid]
                rendered = renderer.render(stack)
                if rendered is not None and isinstance(rendered.get("Resources"), dict):
                    self._add_rendered(stack, name, rendered, every_l1.get(sid, []))
                else:
                    self._add_resolved(stack, name, entries, stats)
        finally:
            renderer.close()
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

    def _add(self, el: Element) -> None:
        self.elements[(el.template, el.logical_id)] = el
        self.by_construct[construct_key(el.construct)] = el
        self._by_logical_id.setdefault(el.logical_id, []).append(el)

    def _add_rendered(
        self,
        stack: cdk.Stack,
        name: str,
        template: dict[str, Any],
        l1s: list[tuple[cdk.CfnResource, str | None]],
    ) -> None:
        """A stack CDK rendered (``render.py``): the whole template, every override in it."""
        resources: dict[str, Any] = template["Resources"]
        self.templates[name] = template
        mapping = align(stack, l1s, resources)
        for lid, body in resources.items():
            if not isinstance(body, dict):
                continue
            props = body.get("Properties")
            if not isinstance(props, dict):
                props = body["Properties"] = {}
            construct = mapping.get(lid)
            if construct is not None:
                meta = body.get("Metadata")
                self._add(
                    Element(
                        construct, stack, name, lid, str(body.get("Type")), props,
                        metadata=meta if isinstance(meta, dict) else {},
                    )
                )

    def _add_resolved(
        self,
        stack: cdk.Stack,
        name: str,
        entries: list[tuple[cdk.CfnResource, str, bool]],
        stats: Stats | None,
    ) -> None:
        """A stack whose template could not be rendered: its exec-relevant resources' properties
        resolved (two reads per resource), this package's overrides replayed on them."""
        resources: dict[str, Any] = {}
        self.templates[name] = {"Resources": resources}
        for cfn, rtype, lid, raw, source in self._resolve(stack, entries, stats):
            self._add(Element(cfn, stack, name, lid, rtype, raw, source))
            # ``raw`` stays as rendered: the template gets a copy where it is edited in
            # place (replayed overrides); _link_templates rebuilds every template's
            # properties, so the edits made after it never reach ``raw``.
            props = raw
            overrides = OVERRIDES.get(construct_key(cfn))
            if overrides is not None:
                props = copy.deepcopy(raw)
                apply_overrides(props, overrides)
            resources[lid] = {"Type": rtype, "Properties": props}

    @staticmethod
    def _resolve(
        stack: cdk.Stack,
        entries: list[tuple[cdk.CfnResource, str, bool]],
        stats: Stats | None,
    ) -> Iterator[tuple[cdk.CfnResource, str, str, dict[str, Any], dict[str, Any]]]:
        lids = [cfn.logical_id for cfn, _, _ in entries]
        props = [cfn._cfn_properties if full else {} for cfn, _, full in entries]
        try:
            resolved = stack.resolve([lids, props])
            resolved_lids, resolved_props = resolved[0], resolved[1]
        except BRIDGE_ERRORS:
            resolved_lids, resolved_props = [], []
            for i in range(len(entries)):
                try:
                    one = stack.resolve([lids[i], props[i]])
                except BRIDGE_ERRORS:
                    one = [stack.resolve(lids[i]), None]
                resolved_lids.append(one[0])
                resolved_props.append(one[1])
        for (cfn, rtype, full), lid, value, source in zip(
            entries, resolved_lids, resolved_props, props, strict=True
        ):
            rendered: Any = {}
            if full and isinstance(value, dict) and value:
                rendered = value if type(cfn) is cdk.CfnResource else _cfn_case(value)
            yield (
                cfn,
                rtype,
                str(lid),
                rendered if isinstance(rendered, dict) else {},
                source if isinstance(source, dict) else {},
            )

    def _link_templates(self) -> None:
        """Turn references to another stack's resource into ImportValue of a made-up export.

        ``Stack.resolve`` renders a cross-stack reference in its local form (``Ref`` of a
        logical ID the template does not have) until CDK prepares the app; the analyzer
        follows ``Fn::ImportValue`` to exports, so that is what the snapshot says. The target
        is the one other template with that logical ID; when several have it (several network
        stacks each with a ``Vpc``), the reference token itself names its target
        (``_referenced``). A target still unknown stays a dangling ``Ref`` (the analyzer then
        says it cannot verify).
        """
        for name, body in self.templates.items():
            local = body["Resources"]

            def rewrite(value: Any, el: Element, prop: str, name: str = name,
                        local: dict[str, Any] = local) -> Any:
                if isinstance(value, list):
                    return [rewrite(v, el, prop) for v in value]
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
                        other = self._unique_elsewhere(target, name) or self._referenced(
                            el, prop, target, attr
                        )
                        if other is not None:
                            export = f"ecs-exec-guard:{other.template}:{target}:{attr or 'Ref'}"
                            outputs = self.templates[other.template].setdefault("Outputs", {})
                            expr: Any = (
                                {"Ref": target}
                                if attr is None
                                else {"Fn::GetAtt": [target, attr]}
                            )
                            outputs[f"EcsExecGuardLink{len(outputs)}"] = {
                                "Value": expr,
                                "Export": {"Name": export},
                            }
                            return {"Fn::ImportValue": export}
                return {k: rewrite(v, el, prop) for k, v in value.items()}

            for lid, resource in local.items():
                el = self.elements.get((name, lid))
                props = resource.get("Properties") if isinstance(resource, dict) else None
                if el is None or not isinstance(props, dict):
                    continue
                # Structured values first: when one of them needs the L1's unresolved
                # properties (one read), the properties after it use that read too.
                first = sorted(props, key=lambda prop: not _structured(props[prop]))
                linked = {prop: rewrite(props[prop], el, prop) for prop in first}
                resource["Properties"] = {prop: linked[prop] for prop in props}

    def _unique_elsewhere(self, logical_id: str, template: str) -> Element | None:
        found = [e for e in self._by_logical_id.get(logical_id, ()) if e.template != template]
        return found[0] if len(found) == 1 else None

    def _referenced(
        self, el: Element, prop: str, logical_id: str, attr: str | None
    ) -> Element | None:
        """The element another stack's reference in ``el``'s property ``prop`` targets.

        Only for logical IDs several other templates have, so the common case costs no extra
        bridge call. First the cheap way: which candidate's reference token string (``ref``,
        or ``get_att``'s, one bridge call per candidate) the unresolved property holds (its
        ``Lazy`` values produced: two calls each). Failing that, the property is resolved once
        more with a resolver that notes each ``Reference``'s target (``Reference.target``,
        public in aws-cdk-lib): exact but a few bridge calls per token. None when the
        property is not found, the bridge fails, or the one property references that logical
        ID in two stacks.
        """
        cache_key = (construct_key(el.construct), prop)
        known = self._strings.get(cache_key)
        if known is None:
            source = self._source_value(el, prop)
            if source is None:
                return None
            context = self._contexts.get(el.template)
            if context is None:
                context = self._contexts[el.template] = ProduceContext(el.stack)
            strings = "\n".join(token_strings(source, context))
            # Values made only of strings reference the same things when their strings are
            # the same (many services of one cluster): the exact way below then runs once
            # per distinct value. Other values (structs) are keyed by the element.
            stringy = isinstance(source, str) or (
                isinstance(source, list) and all(isinstance(v, str) for v in source)
            )
            key = "s:" + strings if stringy else f"e:{cache_key[0]}:{prop}"
            known = self._strings[cache_key] = (strings, key)
            self._sources[key] = source
        strings, key = known
        candidates = [
            e for e in self._by_logical_id.get(logical_id, ()) if e.template != el.template
        ]
        hits = [c for c in candidates if (self._token_of(c, attr) or "\0") in strings]
        if len(hits) == 1:
            return hits[0]
        found = self._targets.get(key)
        if found is None:
            recorder = ReferenceRecorder(self.by_construct)
            try:
                cdk.Tokenization.resolve(self._sources[key], scope=el.stack, resolver=recorder)
                found = recorder.found
            except BRIDGE_ERRORS:
                found = {}
            self._targets[key] = found
        templates = found.get((logical_id, attr), set()) - {el.template}
        if len(templates) != 1:
            return None
        return self.elements.get((next(iter(templates)), logical_id))

    @staticmethod
    def _source_value(el: Element, prop: str) -> Any:
        """The unresolved value of ``el``'s CloudFormation property ``prop``: the L1's own
        attribute (one small read) where its class has one, else from ``_cfn_properties``."""
        attr = _SNAKE.sub(r"_\1", prop[:1].lower() + prop[1:]).lower()
        getter = getattr(type(el.construct), attr, None)
        # Only string-typed properties: reading a struct-typed one would make jsii type the
        # object as a Python struct, which then crosses back empty. Once the properties have
        # been read, they serve.
        if not el.has_source and isinstance(getter, property) and getter.fget is not None and (
            getter.fget.__annotations__.get("return") in _STRING_TYPES
        ):
            try:
                return getattr(el.construct, attr)
            except BRIDGE_ERRORS:
                return None
        names = (prop, prop[:1].lower() + prop[1:], _SOURCE_NAMES.get(prop))
        return next((el.source[n] for n in names if n is not None and n in el.source), None)

    def _token_of(self, el: Element, attr: str | None) -> str | None:
        """The token string of a reference to ``el`` (its ``Ref``, or ``Fn::GetAtt`` ``attr``):
        aws-cdk-lib keeps one reference per resource and attribute, and one string per token."""
        key = (construct_key(el.construct), attr)
        if key not in self._tokens:
            try:
                self._tokens[key] = (
                    el.construct.ref
                    if attr is None
                    else cdk.Token.as_string(el.construct.get_att(attr))
                )
            except BRIDGE_ERRORS:
                self._tokens[key] = None
        return self._tokens[key]

    # -- lookups --------------------------------------------------------------------------
    def security_group_l2(self, el: Element) -> ec2.SecurityGroup | None:
        """The ``ec2.SecurityGroup`` whose L1 ``el`` is, told without a bridge call.

        In pre-order the construct before an L1 is its parent exactly when the L1 is its
        parent's first child. A ``SecurityGroup`` creates its ``CfnSecurityGroup`` before any
        other child and always has it, so a ``SecurityGroup`` just before an L1 is that L1's
        parent (it cannot be the last descendant of an earlier sibling) and the L1 its default
        child; any other L1 of a ``SecurityGroup`` comes later. None when ``el`` is not the
        default child of a ``SecurityGroup``.
        """
        before = self._before.get(construct_key(el.construct))
        return before if isinstance(before, ec2.SecurityGroup) else None

    def element(self, res: Resource | None) -> Element | None:
        if res is None:
            return None
        return self.elements.get((res.template.name, res.logical_id))

    def cdk_value(
        self, value: Any, template: str, owner: Element | None = None, prop: str = ""
    ) -> Any:
        """A CDK value (token) for a CloudFormation value of ``template``'s snapshot.

        ``owner`` and ``prop``: the element and property ``value`` was read from (its raw,
        unlinked form), to tell which stack a reference targets when several stacks have the
        logical ID.
        """
        if value is None or isinstance(value, str | int | float | bool):
            return value
        if isinstance(value, list):
            return [self.cdk_value(v, template, owner, prop) for v in value]
        if isinstance(value, dict) and len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" and isinstance(arg, str):
                if arg in _PSEUDO:
                    return _PSEUDO[arg]()
                el = self._target(arg, None, template, owner, prop)
                if el is not None:
                    return el.construct.ref
            if key == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2:
                el = self._target(str(arg[0]), str(arg[1]), template, owner, prop)
                if el is not None:
                    return cdk.Token.as_string(el.construct.get_att(str(arg[1])))
            if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
                parts = self.cdk_value(arg[1], template, owner, prop)
                if isinstance(parts, list):
                    return cdk.Fn.join(str(arg[0]), [str(p) for p in parts])
        return cdk.Token.as_string(value)

    def _target(
        self, logical_id: str, attr: str | None, template: str, owner: Element | None, prop: str
    ) -> Element | None:
        el = self.elements.get((template, logical_id)) or self._unique_elsewhere(
            logical_id, template
        )
        if el is None and owner is not None:
            el = self._referenced(owner, prop, logical_id, attr)
        return el
