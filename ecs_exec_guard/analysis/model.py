"""The templates of one app, indexed: resources by type and by reference, exports, attributes.

Everything here is plain Python over dicts: no jsii, no CDK import.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .budget import Budgets
from .intrinsics import (
    GetAtt,
    Param,
    Ref,
    Resolver,
    Unknown,
    has_token,
    parse_token,
)

CDK_PATH_KEY = "aws:cdk:path"
#: The one pseudo parameter a value may be supplied for (``-p stack.yaml:AWS::StackName=x``):
#: export names are commonly built from it. Region, account and partition stay placeholders,
#: so that ARNs in policies and in the resources they name keep matching.
STACK_NAME = "AWS::StackName"
#: A KMS key's ARN up to its key ID (``Ref`` of an ``AWS::KMS::Key`` is the key ID).
KMS_KEY_ARN_PREFIX = "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/"
#: Task definition metadata naming the containers that are meant to be exec'd into (set by
#: ``EcsExecAutoFix(exec_containers=...)`` and ``ExecEnabledService``); the container rules
#: then check only those.
EXEC_CONTAINERS_METADATA = "ecs-exec-guard:exec-containers"
#: Service metadata set by ``ExecEnabledService`` (its mode): fix texts then name its options.
EXEC_ENABLED_SERVICE_METADATA = "ecs-exec-guard:exec-enabled-service"


NESTED_STACK_TYPES = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")
#: Nested stack metadata naming the input template that is this stack's own (set by the loader
#: when it follows a local TemplateURL / Location; one file may serve several stacks).
NESTED_TEMPLATE_KEY = "ecs-exec-guard:nested-template"
_REMOTE = ("http://", "https://", "s3://")


def nested_template_file(raw: Mapping[str, Any]) -> str | None:
    """The local file a nested stack resource's template is in (a relative path), if any.

    CDK names it in ``aws:asset:path`` metadata; hand-written and SAM templates give a local
    path as ``TemplateURL`` (``AWS::CloudFormation::Stack``) or ``Location``
    (``AWS::Serverless::Application``), which ``aws cloudformation package`` / ``sam`` upload.
    """
    meta = raw.get("Metadata")
    asset = meta.get("aws:asset:path") if isinstance(meta, dict) else None
    if isinstance(asset, str) and asset:
        return asset
    props = raw.get("Properties")
    if not isinstance(props, dict):
        return None
    url = props.get("TemplateURL")
    if raw.get("Type") == "AWS::Serverless::Application":
        url = props.get("Location")
    if isinstance(url, str) and url and not url.lower().startswith(_REMOTE):
        return url.removeprefix("file://")
    return None


def get_ci(mapping: Any, *keys: str) -> Any:
    """``mapping[key]`` for the first of ``keys`` present, ignoring case; None if absent.

    CloudFormation spells some nested keys differently per resource type
    (``AwsvpcConfiguration`` vs ``AwsVpcConfiguration``); this reads either.
    """
    if not isinstance(mapping, dict):
        return None
    for key in keys:
        if key in mapping:
            return mapping[key]
    lowered = {k.lower(): v for k, v in mapping.items() if isinstance(k, str)}
    for key in keys:
        if key.lower() in lowered:
            return lowered[key.lower()]
    return None


def as_list(value: Any) -> list[Any]:
    """A resolved value as a list: a list as is, None as empty, anything else as one item."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def truthy(value: Any) -> bool | None:
    """A resolved CloudFormation boolean (``true``, ``"true"``, ``"True"``); None if unknown."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "false"):
            return low == "true"
    if value is None:
        return False
    return None


@dataclass(eq=False)
class Resource:
    template: Template
    logical_id: str
    type: str
    raw: dict[str, Any]
    _props: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def props(self) -> dict[str, Any]:
        """The resource's Properties, intrinsics resolved (cached)."""
        if self._props is None:
            raw = self.raw.get("Properties")
            resolved = self.template.resolver.resolve(raw) if isinstance(raw, dict) else {}
            self._props = resolved if isinstance(resolved, dict) else {}
        return self._props

    @property
    def construct_path(self) -> str | None:
        meta = self.raw.get("Metadata")
        path = meta.get(CDK_PATH_KEY) if isinstance(meta, dict) else None
        return path if isinstance(path, str) else None

    @property
    def exec_containers(self) -> frozenset[str] | None:
        """The containers declared for exec in the resource's metadata, if any."""
        meta = self.raw.get("Metadata")
        names = meta.get(EXEC_CONTAINERS_METADATA) if isinstance(meta, dict) else None
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            return frozenset(names)
        return None

    @property
    def made_by_exec_enabled_service(self) -> bool:
        meta = self.raw.get("Metadata")
        return isinstance(meta, dict) and EXEC_ENABLED_SERVICE_METADATA in meta

    @property
    def ref(self) -> Ref:
        return Ref(self.template.name, self.logical_id)

    def view(self, props: dict[str, Any]) -> Resource:
        """A stand-in for this resource with other (resolved) properties; findings on it name
        this resource. For a task written inside another resource (a Batch job definition)."""
        return Resource(self.template, self.logical_id, self.type, self.raw, props)

    def __hash__(self) -> int:
        return hash((self.template.name, self.logical_id))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Resource)
            and other.template.name == self.template.name
            and other.logical_id == self.logical_id
        )

    def __repr__(self) -> str:
        return f"<{self.type} {self.template.name}:{self.logical_id}>"


class Template:
    """One CloudFormation template of the input."""

    def __init__(
        self,
        model: Model,
        name: str,
        body: Mapping[str, Any],
        path: str | None,
        parameter_values: Mapping[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.name = name
        self.path = path
        self.body: dict[str, Any] = dict(body) if isinstance(body, Mapping) else {}
        params = self.body.get("Parameters")
        self.parameters: dict[str, Any] = params if isinstance(params, dict) else {}
        #: Values supplied for this template's parameters (and ``AWS::StackName``), as given
        #: on the command line or to :func:`analyze`; a parameter without one stays unknown.
        self.parameter_values: dict[str, Any] = {
            k: v
            for k, v in (parameter_values or {}).items()
            if k in self.parameters or k == STACK_NAME
        }
        self.resources: dict[str, Resource] = {}
        raw_resources = self.body.get("Resources")
        if isinstance(raw_resources, dict):
            for logical_id, raw in raw_resources.items():
                if not isinstance(raw, dict) or not isinstance(logical_id, str):
                    continue
                rtype = raw.get("Type")
                if isinstance(rtype, str):
                    self.resources[logical_id] = Resource(self, logical_id, rtype, raw)
        self.resolver = Resolver(model, self)


class Model:
    """All templates of one app, with the indexes the rules need."""

    def __init__(
        self,
        templates: Iterable[tuple[str, Mapping[str, Any], str | None]],
        *,
        parameters: Mapping[str, Any] | None = None,
        template_parameters: Mapping[str, Mapping[str, Any]] | None = None,
        conditions: Mapping[tuple[str, str], bool] | None = None,
        budgets: Budgets | None = None,
    ) -> None:
        """``parameters``: values for the parameters of every template that declares them;
        ``template_parameters``: template name -> values for that template (these win);
        ``conditions``: (template name, condition) -> the value to assume for a condition that
        is decided at deploy time (one branch of its ``Fn::If``)."""
        self.forced_conditions: dict[tuple[str, str], bool] = dict(conditions or {})
        #: Deploy-time conditions whose ``Fn::If`` branches differ, in the order met.
        self.undecided: list[tuple[str, str]] = []
        self.templates: dict[str, Template] = {}
        for name, body, path in templates:
            values = dict(parameters or {})
            values.update((template_parameters or {}).get(name, {}))
            self.templates[name] = Template(self, name, body, path, values)
        self.resource_count = sum(len(t.resources) for t in self.templates.values())
        #: Work budgets (budget.py); another model of the same input may share them.
        self.budgets = budgets or Budgets.for_input(self.resource_count)
        self.value_budget = self.budgets.value
        self.by_type: dict[str, list[Resource]] = defaultdict(list)
        for tpl in self.templates.values():
            for res in tpl.resources.values():
                self.by_type[res.type].append(res)
        self._imports: dict[Any, Any] = {}
        self._cache: dict[Any, Any] = {}
        # Nested stacks are linked before anything is resolved: resolving a nested template's
        # parameter asks for its parent. Exports are indexed on first use, once the model is
        # whole (an export name may use a parameter, a mapping or another import).
        self._by_file: dict[str, Template] | None = None
        self.parent_of: dict[str, Resource] = self._link_nested_stacks()
        self._exports: dict[str, tuple[Template, Any]] | None = None
        self._stack_name_exports: list[tuple[Template, re.Pattern[str], Any]] = []
        self._stack_names: dict[str, str] = {}  # template -> the stack name imports imply
        #: What the analysis assumed to link the templates (one sentence each).
        self.assumptions: list[str] = []

    @property
    def exports(self) -> dict[str, tuple[Template, Any]]:
        """Export name -> (template, value expression), for the names known before deploy."""
        if self._exports is None:
            self._exports = {}  # an export name that imports (itself) finds nothing
            found: dict[str, tuple[Template, Any]] = {}
            for tpl in self.templates.values():
                outputs = tpl.body.get("Outputs")
                if not isinstance(outputs, dict):
                    continue
                for output in outputs.values():
                    if not isinstance(output, dict):
                        continue
                    export = output.get("Export")
                    name = (
                        tpl.resolver.resolve(export.get("Name"))
                        if isinstance(export, dict)
                        else None
                    )
                    if not isinstance(name, str) or has_token(name):
                        continue
                    if "${AWS::" not in name:
                        found.setdefault(name, (tpl, output.get("Value")))
                        continue
                    # A name with a pseudo parameter is only known at deploy time; one built
                    # from the stack name alone can still match an import (see import_value).
                    pattern = _stack_name_pattern(name)
                    if pattern is not None:
                        self._stack_name_exports.append((tpl, pattern, output.get("Value")))
            self._exports = found
        return self._exports

    def _export_by_stack_name(self, name: str) -> tuple[Template, Any] | Unknown | None:
        """The export ``${AWS::StackName}-X`` of an input template that an import of ``name``
        can only mean, if exactly one template can provide it (the stack name it implies is
        then recorded in :attr:`assumptions`, and must agree for every import of it)."""
        candidates = []
        for tpl, pattern, expr in self._stack_name_exports:
            m = pattern.fullmatch(name)
            if m is None:
                continue
            stack = m.group("stack")
            if self._stack_names.get(tpl.name, stack) == stack:
                candidates.append((tpl, expr, stack))
        if not candidates:
            return None
        if len({(tpl.name, stack) for tpl, _, stack in candidates}) > 1:
            shown = ", ".join(dict.fromkeys(tpl.name for tpl, _, _ in candidates))
            return Unknown(
                f"Fn::ImportValue {name}: several templates of the input ({shown}) export it "
                "under their stack name (give AWS::StackName for each)"
            )
        tpl, expr, stack = candidates[0]
        if tpl.name not in self._stack_names:
            self._stack_names[tpl.name] = stack
            self.assumptions.append(
                f"{tpl.name} is taken to be deployed as stack {stack}, the stack name its export "
                f"{name} needs to match an import (give -p {tpl.name}:AWS::StackName=... "
                "otherwise)"
            )
        return tpl, expr

    def _link_nested_stacks(self) -> dict[str, Resource]:
        """Nested template name -> its ``AWS::CloudFormation::Stack`` (or SAM
        ``AWS::Serverless::Application``) resource in the parent.

        The link is the ``aws:asset:path`` metadata that CDK (or the loader) puts on the nested
        stack resource, or a ``TemplateURL`` / ``Location`` that is a local path: a file next to
        the parent template (relative to it), else the input template of that name.
        """
        links: dict[str, Resource] = {}
        stacks = self.resources(*NESTED_STACK_TYPES)
        for stack in stacks:  # the loader's explicit links first
            meta = stack.raw.get("Metadata")
            own = meta.get(NESTED_TEMPLATE_KEY) if isinstance(meta, dict) else None
            if isinstance(own, str) and own in self.templates and own not in links:
                links[own] = stack
        linked = set(links.values())
        for stack in stacks:
            child = None if stack in linked else self.nested_candidate(stack)
            if child is not None and child.name not in links:
                links[child.name] = stack
        return links

    def nested_candidate(self, stack: Resource) -> Template | None:
        """The input template at the local path a nested stack names (linked or not)."""
        local = nested_template_file(stack.raw)
        if local is None:
            return None
        if self._by_file is None:
            self._by_file = {
                str(Path(tpl.path).resolve()): tpl for tpl in self.templates.values() if tpl.path
            }
        child = None
        if stack.template.path:
            child = self._by_file.get(str((Path(stack.template.path).parent / local).resolve()))
        if child is None:
            relative = posixpath.normpath(
                posixpath.join(posixpath.dirname(stack.template.name), local)
            )
            base = local.rsplit("/", 1)[-1]
            child = self.templates.get(relative) or next(
                (t for n, t in self.templates.items() if n.rsplit("/", 1)[-1] == base), None
            )
        return child if child is not stack.template else None

    def nested_template_of(self, stack: Resource) -> Template | None:
        """The input template that a nested stack resource deploys, when linked."""
        for child_name, parent in self.parent_of.items():
            if parent is stack:
                return self.templates[child_name]
        return None

    def forced_condition(self, template: str, name: str) -> bool | None:
        return self.forced_conditions.get((template, name))

    def note_undecided(self, template: str, name: str) -> None:
        if (template, name) not in self.undecided:
            self.undecided.append((template, name))

    def nested_parameter(self, template: Template, name: str, depth: int = 0) -> Any:
        """A nested template's parameter as its parent passes it; None when not linked."""
        stack = self.parent_of.get(template.name)
        if stack is None:
            return None
        props = stack.raw.get("Properties")
        params = props.get("Parameters") if isinstance(props, dict) else None
        if not isinstance(params, dict) or name not in params:
            return None
        return self._once(
            ("nested-parameter", template.name, name),
            lambda: stack.template.resolver.resolve(params[name], depth + 1),
            f"parameter {name} of {template.name} refers to itself",
        )

    def nested_output(self, stack: Resource, output: str, depth: int = 0) -> Any:
        """``Fn::GetAtt NestedStack.Outputs.X`` from the nested template's Outputs."""
        child = self.nested_template_of(stack)
        if child is not None:
            outputs = child.body.get("Outputs")
            entry = outputs.get(output) if isinstance(outputs, dict) else None
            if isinstance(entry, dict) and "Value" in entry:
                return self._once(
                    ("nested-output", child.name, output),
                    lambda: child.resolver.resolve(entry["Value"], depth + 1),
                    f"output {output} of {child.name} refers to itself",
                )
        return None

    def _once(self, key: Any, compute: Any, cycle: str) -> Any:
        """A cross-template value, resolved once (each use is charged to the value budget by
        the resolver); Unknown(``cycle``) while it is being resolved, so cycles end."""
        if key not in self._imports:
            self._imports[key] = Unknown(cycle)
            self._imports[key] = compute()
        return self._imports[key]

    # -- lookups ----------------------------------------------------------------------
    def resources(self, *types: str) -> list[Resource]:
        out: list[Resource] = []
        for t in types:
            out.extend(self.by_type.get(t, ()))
        return out

    def deref(self, value: Any, *types: str) -> Resource | None:
        """The resource a resolved value points at (Ref, GetAtt or a lone token)."""
        if isinstance(value, str):
            token = parse_token(value)
            if token is None:
                return None
            value = token
        if isinstance(value, Ref | GetAtt):
            tpl = self.templates.get(value.template)
            res = tpl.resources.get(value.logical_id) if tpl else None
            if res is not None and (not types or res.type in types):
                return res
        return None

    # Resolving a value may resolve another template's (or resource's) expression: those
    # carry the caller's depth on, so that chains and cycles end at Resolver.MAX_DEPTH.
    def import_value(self, name: str, depth: int = 0) -> Any:
        if name in self._imports:
            return self._imports[name]
        self._imports[name] = Unknown(f"Fn::ImportValue {name} refers to itself")
        found: Any = self.exports.get(name) or self._export_by_stack_name(name)
        if found is None:
            value: Any = Unknown(f"Fn::ImportValue {name}: no template of the input exports it")
        elif isinstance(found, Unknown):
            value = found
        else:
            tpl, expr = found
            value = tpl.resolver.resolve(expr, depth + 1)
        self._imports[name] = value
        return value

    def stack_output(self, stack_name: str | None, output: str, depth: int = 0) -> Any:
        """The value of another stack's output (``Fn::GetStackOutput``), when in the input.

        Stack names are not in templates: a template whose file name is the stack name wins,
        else the one template of the input that has an output of that name.
        """
        holders = [
            tpl
            for tpl in self.templates.values()
            if isinstance(tpl.body.get("Outputs"), dict) and output in tpl.body["Outputs"]
        ]
        named = [
            tpl for tpl in holders if stack_name and _stem(tpl.name) == stack_name
        ]
        chosen = named or holders
        if len(chosen) != 1:
            where = f"stack {stack_name}" if stack_name else "another stack"
            return Unknown(f"output {output} of {where} is not (uniquely) in the input")
        entry = chosen[0].body["Outputs"][output]
        if not isinstance(entry, dict) or "Value" not in entry:
            return Unknown(f"output {output} has no value")
        key = ("stack-output", chosen[0].name, output)
        if key in self._imports:
            return self._imports[key]
        self._imports[key] = Unknown(f"output {output} refers to itself")
        value = chosen[0].resolver.resolve(entry["Value"], depth + 1)
        self._imports[key] = value
        return value

    def attribute(self, att: GetAtt, depth: int = 0) -> Any:
        """The value of ``Fn::GetAtt`` where the template tells it, else the GetAtt itself."""
        tpl = self.templates[att.template]
        res = tpl.resources[att.logical_id]
        if res.type == "AWS::EC2::VPC" and att.attribute == "CidrBlock":
            cidr = self._property(res, "CidrBlock", depth)
            return cidr if cidr is not None else Unknown("VPC CIDR from an IPAM pool")
        if res.type == "AWS::EC2::SecurityGroup" and att.attribute == "GroupId":
            return res.ref
        if res.type == "AWS::EC2::Subnet" and att.attribute == "SubnetId":
            return res.ref
        if res.type == "AWS::EC2::Subnet" and att.attribute == "CidrBlock":
            cidr = self._property(res, "CidrBlock", depth)
            return cidr if cidr is not None else Unknown("subnet CIDR")
        if res.type == "AWS::Logs::LogGroup" and att.attribute == "Arn":
            return (
                "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                + res.ref.token()
                + ":*"
            )
        if res.type in NESTED_STACK_TYPES and att.attribute.startswith("Outputs."):
            value = self.nested_output(res, att.attribute[len("Outputs."):], depth)
            if value is not None:
                return value
        if res.type == "AWS::KMS::Key" and att.attribute == "Arn":
            return KMS_KEY_ARN_PREFIX + res.ref.token()
        if res.type == "AWS::S3::Bucket" and att.attribute == "Arn":
            return "arn:${AWS::Partition}:s3:::" + res.ref.token()
        return att

    def _property(self, res: Resource, key: str, depth: int) -> Any:
        """One resolved property of a resource, from the cache or at the caller's depth."""
        if res._props is not None:
            return res._props.get(key)
        raw = res.raw.get("Properties")
        if not isinstance(raw, dict) or key not in raw:
            return None
        return self._once(
            ("property", res.template.name, res.logical_id, key),
            lambda: res.template.resolver.resolve(raw[key], depth + 1),
            f"property {key} of {res.logical_id} refers to itself",
        )

    def by_name(self, rtype: str, key: str) -> dict[str, Resource]:
        """The resources of a type by their name property ``key`` (first wins), indexed once,
        so that lookups by name cost the same for one launch or thousands."""

        def build() -> dict[str, Resource]:
            index: dict[str, Resource] = {}
            for res in self.resources(rtype):
                name = res.props.get(key)
                if isinstance(name, str):
                    index.setdefault(name, res)
            return index

        found: dict[str, Resource] = self.cached(("by-name", rtype, key), build)
        return found

    def cached(self, key: Any, compute: Any) -> Any:
        """Memoize a derived fact for the duration of one analysis."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def parameter(self, param: Param) -> dict[str, Any]:
        """A parameter's declaration; a supplied value shows as its ``Default``."""
        tpl = self.templates.get(param.template)
        p = tpl.parameters.get(param.name) if tpl else None
        out = dict(p) if isinstance(p, dict) else {}
        if tpl is not None:
            passed = self.nested_parameter(tpl, param.name)
            if isinstance(passed, str):
                out["Default"] = passed  # what the parent stack passes
            elif param.name in tpl.parameter_values:
                out["Default"] = tpl.parameter_values[param.name]
        return out


_STACK_NAME_REF = "${AWS::StackName}"


def _stack_name_pattern(name: str) -> re.Pattern[str] | None:
    """A pattern for an export name built from the stack name alone (``${AWS::StackName}-Vpc``),
    capturing the stack name (letters, digits and hyphens, starting with a letter)."""
    parts = name.split(_STACK_NAME_REF)
    if len(parts) < 2 or any("${" in part for part in parts):
        return None
    stack = r"(?P<stack>[A-Za-z][-A-Za-z0-9]{0,127})"
    body = stack.join([re.escape(parts[0]), re.escape(parts[1])])
    for part in parts[2:]:
        body += "(?P=stack)" + re.escape(part)
    return re.compile(body)


def _stem(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    for suffix in (".template.json", ".template.yaml", ".template.yml", ".json", ".yaml", ".yml"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base
