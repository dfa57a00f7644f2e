"""CloudFormation intrinsic functions, resolved as far as a template (or an app) allows.

Resolution never raises and never guesses. What it yields:

* plain JSON values (str, int, float, bool, None, list, dict) where everything is known;
* :class:`Ref` / :class:`GetAtt` objects where a value *is* a resource of the input
  (``Ref``, ``Fn::GetAtt``, ``Fn::ImportValue`` of an export of another template);
* :class:`Param` for a template parameter (its value is chosen at deploy time);
* :class:`Unknown` (with the reason) for anything that cannot be known.

Inside strings (``Fn::Join``, ``Fn::Sub``) references become *tokens*, such as
``{{ref|Stack.template.json|Vpc}}``, and pseudo parameters stay as ``${AWS::Region}``; so
``arn:${AWS::Partition}:s3:::{{ref|t|Bucket}}/*`` is a fully resolved string that IAM-style
matching can work with, and :func:`parse_token` turns a lone token back into a reference.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .budget import CHARS_PER_UNIT, MAX_TEXT, Budget, weight


@dataclass(frozen=True)
class Ref:
    """The value of ``Ref`` to a resource of the input."""

    template: str
    logical_id: str

    def token(self) -> str:
        return f"{{{{ref|{self.template}|{self.logical_id}}}}}"


@dataclass(frozen=True)
class GetAtt:
    """The value of ``Fn::GetAtt`` of a resource of the input."""

    template: str
    logical_id: str
    attribute: str

    def token(self) -> str:
        return f"{{{{att|{self.template}|{self.logical_id}|{self.attribute}}}}}"


@dataclass(frozen=True)
class Param:
    """The value of a template parameter: chosen at deploy time."""

    template: str
    name: str

    def token(self) -> str:
        return f"{{{{par|{self.template}|{self.name}}}}}"


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known from the input, and why."""

    reason: str


class _NoValue:
    """``Ref: AWS::NoValue``: the property (or list item) is removed."""

    def __repr__(self) -> str:
        return "NoValue"


NO_VALUE: Any = _NoValue()

PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)

# No part of a token holds a brace, so a scan for one stops at the next "{" whatever the text:
# linear time even on text made of unterminated "{{ref|" pieces.
_TOKEN_RE = re.compile(r"\{\{(ref|att|par)\|([^|{}]*)\|([^|{}]*)(?:\|([^{}]*))?\}\}")
_SUB_RE = re.compile(r"\$\{(!?)([^}]*)\}")


def parse_token(value: str) -> Ref | GetAtt | Param | None:
    """The reference a string stands for, when it is exactly one token."""
    m = _TOKEN_RE.fullmatch(value)
    if not m:
        return None
    kind, tpl, name, attr = m.groups()
    if kind == "ref":
        return Ref(tpl, name)
    if kind == "par":
        return Param(tpl, name)
    return GetAtt(tpl, name, attr or "")


def has_token(value: str) -> bool:
    return "{{" in value and _TOKEN_RE.search(value) is not None


def tokens_in(value: str) -> list[Ref | GetAtt | Param]:
    """Every reference embedded in a resolved string, in order."""
    found: list[Ref | GetAtt | Param] = []
    for m in _TOKEN_RE.finditer(value):
        ref = parse_token(m.group(0))
        if ref is not None:
            found.append(ref)
    return found


def as_text(value: Any) -> str | Unknown:
    """A resolved value as it would appear inside a string, or Unknown."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Ref | GetAtt | Param):
        return value.token()
    if isinstance(value, Unknown):
        return value
    return Unknown(f"a {type(value).__name__} used as a string")


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown | Param)


def unknown_reason(value: Any) -> str:
    if isinstance(value, Unknown):
        return value.reason
    if isinstance(value, Param):
        return f"parameter {value.name} (set at deploy time)"
    return "unresolvable value"


def humanize(text: str) -> str:
    """A resolved string for people: tokens become ``LogicalId`` / ``LogicalId.Attr``."""

    def name(m: re.Match[str]) -> str:
        kind, _, ident, attr = m.groups()
        return f"{ident}.{attr}" if kind == "att" and attr else ident

    return _TOKEN_RE.sub(name, text)


def _json_part(value: Any) -> str:
    """A value JSON has no type for, inside a described list or object."""
    if isinstance(value, Ref | GetAtt | Param):
        return value.token()  # humanized with the rest
    return describe(value) if isinstance(value, Unknown) else str(value)


def describe(value: Any, home: str | None = None) -> str:
    """A resolved value as a message shows it to people, the way they read CloudFormation.

    A ``Ref`` is the logical ID (``Vpc``), a ``Fn::GetAtt`` ``LogicalId.Attr`` (as
    :func:`humanize` shows references inside strings), a template parameter ``parameter P``.
    ``home`` is the template the message is about: a reference into another template (a
    cross-stack import resolved to its source) names that template (``Vpc in
    Network.template.json``, ``parameter P of Network.template.json``); without ``home`` no
    template is named. An :class:`Unknown` is ``an unresolved value (why)``. Anything else is
    its JSON (strings quoted, references in them humanized), cut at 120 characters.
    """
    if isinstance(value, Ref | GetAtt | Param):
        if isinstance(value, Param):
            text, joint = f"parameter {value.name}", "of"
        elif isinstance(value, GetAtt) and value.attribute:
            text, joint = f"{value.logical_id}.{value.attribute}", "in"
        else:
            text, joint = value.logical_id, "in"
        if home is None or value.template == home:
            return text
        return f"{text} {joint} {value.template}"
    if isinstance(value, Unknown):
        return f"an unresolved value ({value.reason})"
    try:
        text = humanize(json.dumps(value, default=_json_part, sort_keys=True, ensure_ascii=False))
    except (TypeError, ValueError, RecursionError):  # pragma: no cover - defensive
        text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


class TemplateView(Protocol):
    """What the resolver reads of a template (``model.Template`` is one)."""

    name: str
    body: dict[str, Any]
    parameters: dict[str, Any]
    parameter_values: dict[str, Any]

    @property
    def resources(self) -> Mapping[str, Any]: ...


class AppView(Protocol):
    """What the resolver asks of the whole app (``model.Model`` is one).

    A protocol, so that this module does not import ``model`` (which imports this one).
    """

    #: Spent on values handed out more than once (see :mod:`.budget`).
    value_budget: Budget

    def import_value(self, name: str, depth: int = 0) -> Any: ...

    def stack_output(self, stack_name: str | None, output: str, depth: int = 0) -> Any: ...

    def nested_parameter(self, template: Any, name: str, depth: int = 0) -> Any: ...

    def attribute(self, att: GetAtt, depth: int = 0) -> Any: ...

    def forced_condition(self, template: str, name: str) -> bool | None: ...

    def note_undecided(self, template: str, name: str) -> None: ...


class Resolver:
    """Resolves intrinsic functions of one template, with the whole app at hand."""

    MAX_DEPTH = 64

    def __init__(self, model: AppView, template: TemplateView) -> None:
        self.model = model
        self.template = template
        self._conditions: dict[str, bool | None] = {}

    # -- entry point -------------------------------------------------------------------
    def resolve(self, value: Any, depth: int = 0) -> Any:
        if depth > self.MAX_DEPTH:
            return Unknown("value nested too deeply")
        if isinstance(value, dict):
            if len(value) == 1:
                (key, arg), = value.items()
                if isinstance(key, str) and (key == "Ref" or key.startswith("Fn::")):
                    return self._intrinsic(key, arg, depth + 1)
                if key == "Condition" and isinstance(arg, str):
                    # A condition reference inside Fn::And/Or/Not.
                    cond = self.condition(arg, depth + 1)
                    return Unknown(f"condition {arg}") if cond is None else cond
            out: dict[str, Any] = {}
            for k, v in value.items():
                r = self.resolve(v, depth + 1)
                if r is not NO_VALUE:
                    out[str(k)] = r
            return out
        if isinstance(value, list):
            items = [self.resolve(v, depth + 1) for v in value]
            return [i for i in items if i is not NO_VALUE]
        return value

    # -- conditions --------------------------------------------------------------------
    def condition(self, name: str, depth: int = 0) -> bool | None:
        """The value of a named condition, or None when it depends on deploy time."""
        if name in self._conditions:
            return self._conditions[name]
        forced = self.model.forced_condition(self.template.name, name)
        if forced is not None:
            # One branch of a deploy-time condition, as the analyzer evaluates each in turn.
            self._conditions[name] = forced
            return forced
        self._conditions[name] = None  # guards against cycles
        conditions = self.template.body.get("Conditions")
        expr = conditions.get(name) if isinstance(conditions, dict) else None
        result = self._bool(self.resolve(expr, depth + 1)) if expr is not None else None
        self._conditions[name] = result
        return result

    def condition_attribute(self, resource: Mapping[str, Any]) -> bool | None:
        """Whether a resource (or output) with a ``Condition`` attribute is created: True
        without one, None when the condition is decided at deploy time."""
        name = resource.get("Condition")
        if name is None:
            return True
        return self.condition(name) if isinstance(name, str) else None

    @staticmethod
    def _bool(value: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return None

    # -- the value budget ----------------------------------------------------------------
    def charged(self, value: Any) -> Any:
        """``value`` (handed out again: an import, an output, a mapping), counted against the
        app's value budget; Unknown once that is spent."""
        budget = self.model.value_budget
        if isinstance(value, dict | list | str) and (
            budget.exhausted or not budget.spend(weight(value, budget.left + 1))
        ):
            return Unknown(budget.reason)
        return value

    # -- intrinsics --------------------------------------------------------------------
    def _intrinsic(self, fn: str, arg: Any, depth: int) -> Any:
        if fn == "Ref":
            return self._ref(arg, depth)
        if fn == "Fn::GetAtt":
            return self._getatt(arg, depth)
        if fn == "Fn::Join":
            return self._join(arg, depth)
        if fn == "Fn::Sub":
            return self._sub(arg, depth)
        if fn == "Fn::ImportValue":
            name = self.resolve(arg, depth)
            if not isinstance(name, str):
                return Unknown(f"Fn::ImportValue of {describe(name)}, known at deploy time")
            if has_token(name) or "${AWS::" in name:
                # A pseudo parameter (``${AWS::StackName}-Subnet``) names this stack's own
                # value: the same text in another template's export is another name.
                params = [t.name for t in tokens_in(name) if isinstance(t, Param)]
                shown = _TOKEN_RE.sub(
                    lambda m: "${" + m.group(3) + "}" if m.group(1) == "par" else m.group(0), name
                )
                why = (
                    f"parameter(s) {', '.join(dict.fromkeys(params))} have no value"
                    if params
                    else "known at deploy time"
                )
                return Unknown(f"Fn::ImportValue {humanize(shown)}: {why}")
            if self.model.value_budget.exhausted:
                return Unknown(self.model.value_budget.reason)
            return self.charged(self.model.import_value(name, depth))
        if fn == "Fn::GetStackOutput":
            # CDK's "weak" cross-stack references read another stack's output by name.
            arg = self.resolve(arg, depth) if isinstance(arg, dict) else arg
            stack = arg.get("StackName") if isinstance(arg, dict) else None
            output = arg.get("OutputName") if isinstance(arg, dict) else None
            if not isinstance(output, str):
                return Unknown(f"Fn::GetStackOutput of {describe(arg)}")
            return self.charged(
                self.model.stack_output(stack if isinstance(stack, str) else None, output, depth)
            )
        if fn == "Fn::Select":
            return self._select(arg, depth)
        if fn == "Fn::Split":
            if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and arg[0]:
                source = self.resolve(arg[1], depth)
                # A string with references splits too (an export of joined subnet IDs), as
                # long as the delimiter is not part of a reference's token.
                if isinstance(source, str) and not any(
                    arg[0] in m.group(0) for m in _TOKEN_RE.finditer(source)
                ):
                    if not self.model.value_budget.spend(source.count(arg[0])):
                        return Unknown(self.model.value_budget.reason)
                    return [parse_token(piece) or piece for piece in source.split(arg[0])]
                if is_unknown(source):
                    return Unknown(unknown_reason(source))
            return Unknown("Fn::Split of an unresolvable string")
        if fn == "Fn::If":
            return self._if(arg, depth)
        if fn in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"):
            return self._logic(fn, arg, depth)
        if fn == "Fn::FindInMap":
            return self._find_in_map(arg, depth)
        if fn == "Fn::Base64":
            # Keep the text: what matters to the checks is what the user data says.
            return self.resolve(arg, depth)
        if fn == "Fn::GetAZs":
            return Unknown("Fn::GetAZs (availability zones are known at deploy time)")
        if fn == "Condition" and isinstance(arg, str):
            cond = self.condition(arg, depth)
            return Unknown(f"condition {arg}") if cond is None else cond
        return Unknown(f"{fn} is not evaluated")

    def _ref(self, arg: Any, depth: int = 0) -> Any:
        if not isinstance(arg, str):
            return Unknown(f"Ref of {describe(arg)}")
        if arg == "AWS::NoValue":
            return NO_VALUE
        if arg in PSEUDO_PARAMETERS:
            supplied = self.template.parameter_values.get(arg)
            return supplied if isinstance(supplied, str) else "${" + arg + "}"
        if arg in self.template.resources:
            return Ref(self.template.name, arg)
        if arg in self.template.parameters:
            passed = self.model.nested_parameter(self.template, arg, depth)
            if passed is not None:
                return self.charged(self._typed(arg, passed))
            if arg in self.template.parameter_values:
                return self._typed(arg, self.template.parameter_values[arg])
            return Param(self.template.name, arg)
        return Unknown(f"Ref to {arg}, which is not in the template")

    def _typed(self, name: str, value: Any) -> Any:
        """A parameter's value (supplied, or passed by a parent stack) as its Type makes it."""
        decl = self.template.parameters.get(name)
        ptype = decl.get("Type") if isinstance(decl, dict) else None
        ptype = ptype if isinstance(ptype, str) else "String"
        if ptype.startswith("AWS::SSM::Parameter::Value"):
            # The value names an SSM parameter, whose own value is read at deploy time.
            return Param(self.template.name, name)
        if (ptype.startswith("List<") or ptype == "CommaDelimitedList") and isinstance(
            value, str
        ):
            # Comma-separated, references included (a parent passing joined subnet IDs).
            return [parse_token(item.strip()) or item.strip() for item in value.split(",")]
        return value

    def _getatt(self, arg: Any, depth: int) -> Any:
        if isinstance(arg, str) and "." in arg:
            logical_id, attribute = arg.split(".", 1)
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            logical_id = arg[0]
            attr = self.resolve(arg[1], depth)
            if not isinstance(attr, str):
                return Unknown(f"Fn::GetAtt of {describe(arg)}")
            attribute = attr
        else:
            return Unknown(f"Fn::GetAtt of {describe(arg)}")
        if logical_id not in self.template.resources:
            return Unknown(f"Fn::GetAtt of {logical_id}, which is not in the template")
        return self.charged(
            self.model.attribute(GetAtt(self.template.name, logical_id, attribute), depth)
        )

    def _join(self, arg: Any, depth: int) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            return Unknown(f"malformed Fn::Join {describe(arg)}")
        parts = self.resolve(arg[1], depth)
        if not isinstance(parts, list):
            return Unknown("Fn::Join of an unresolvable list")
        texts: list[str] = []
        length = 0
        for part in parts:
            text = as_text(part)
            if isinstance(text, Unknown):
                return text
            texts.append(text)
            length += len(text) + len(arg[0])
            if length > MAX_TEXT:
                return Unknown(f"Fn::Join of more than {MAX_TEXT:,} characters")
        return arg[0].join(texts)

    def _sub(self, arg: Any, depth: int) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            raw_vars = self.resolve(arg[1], depth)
            if not isinstance(raw_vars, dict):
                return Unknown("Fn::Sub with unresolvable variables")
            variables = raw_vars
            text = arg[0]
        elif isinstance(arg, str):
            text = arg
        else:
            return Unknown(f"malformed Fn::Sub {describe(arg)}")

        failure: list[Unknown] = []
        budget = self.model.value_budget
        length = [len(text)]

        def replace(m: re.Match[str]) -> str:
            if failure:
                return ""
            if m.group(1) == "!":
                return "${" + m.group(2) + "}"
            name = m.group(2).strip()
            if name in variables:
                value: Any = variables[name]
            elif name in PSEUDO_PARAMETERS:
                value = self._ref(name, depth)
            elif "." in name:
                value = self._getatt(name, depth)
            else:
                value = self._ref(name, depth)
            rendered = as_text(value)
            if isinstance(rendered, Unknown):
                failure.append(rendered)
                return ""
            # Each insertion is a copy: a variable inserted many times is counted each time.
            length[0] += len(rendered)
            if length[0] > MAX_TEXT:
                failure.append(Unknown(f"Fn::Sub of more than {MAX_TEXT:,} characters"))
                return ""
            if name in variables and not budget.spend(1 + len(rendered) // CHARS_PER_UNIT):
                failure.append(Unknown(budget.reason))
                return ""
            return rendered

        result = _SUB_RE.sub(replace, text)
        return failure[0] if failure else result

    def _select(self, arg: Any, depth: int) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return Unknown(f"malformed Fn::Select {describe(arg)}")
        index = self.resolve(arg[0], depth)
        items = self.resolve(arg[1], depth)
        try:
            i = int(index)
        except (TypeError, ValueError):
            return Unknown("Fn::Select with an unresolvable index")
        if not isinstance(items, list):
            return Unknown("Fn::Select from an unresolvable list")
        if 0 <= i < len(items):
            return items[i]
        return Unknown("Fn::Select index out of range")

    def _if(self, arg: Any, depth: int) -> Any:
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
            return Unknown(f"malformed Fn::If {describe(arg)}")
        cond = self.condition(arg[0], depth)
        if cond is True:
            return self.resolve(arg[1], depth)
        if cond is False:
            return self.resolve(arg[2], depth)
        yes, no = self.resolve(arg[1], depth), self.resolve(arg[2], depth)
        if yes == no and not isinstance(yes, Unknown):
            return yes
        conditions = self.template.body.get("Conditions")
        if isinstance(conditions, dict) and arg[0] in conditions:
            # The analyzer then evaluates each branch (see analysis.scenarios).
            self.model.note_undecided(self.template.name, arg[0])
        return Unknown(f"Fn::If on condition {arg[0]}, which is decided at deploy time")

    def contradicts(self, name: str) -> bool:
        """Whether a forced condition's own expression says the opposite (for example
        ``NotProd: !Not [!Condition IsProd]`` forced true together with ``IsProd``)."""
        forced = self.model.forced_condition(self.template.name, name)
        conditions = self.template.body.get("Conditions")
        expr = conditions.get(name) if isinstance(conditions, dict) else None
        if forced is None or expr is None:
            return False
        value = self._bool(self.resolve(expr))
        return value is not None and value is not forced

    def _logic(self, fn: str, arg: Any, depth: int) -> Any:
        if not isinstance(arg, list):
            return Unknown(f"malformed {fn}")
        values = [self.resolve(a, depth) for a in arg]
        if fn == "Fn::Equals":
            if len(values) != 2 or any(
                is_unknown(v) or (isinstance(v, str) and has_token(v)) for v in values
            ):
                return Unknown("Fn::Equals of unresolvable values")
            a, b = (as_text(v) if not isinstance(v, list | dict) else v for v in values)
            return a == b
        bools = [v if isinstance(v, bool) else None for v in values]
        if fn == "Fn::Not":
            if len(bools) == 1 and bools[0] is not None:
                return not bools[0]
            return Unknown("Fn::Not of an unresolvable condition")
        if fn == "Fn::And":
            if False in bools:
                return False
            return True if None not in bools else Unknown("Fn::And of unresolvable conditions")
        if True in bools:
            return True
        return False if None not in bools else Unknown("Fn::Or of unresolvable conditions")

    def _find_in_map(self, arg: Any, depth: int) -> Any:
        if not (isinstance(arg, list) and len(arg) >= 3):
            return Unknown(f"malformed Fn::FindInMap {describe(arg)}")
        keys = [self.resolve(a, depth) for a in arg[:3]]
        mappings = self.template.body.get("Mappings")
        node: Any = mappings if isinstance(mappings, dict) else {}
        for key in keys:
            if not isinstance(key, str) or has_token(key) or "${AWS::" in key:
                return Unknown("Fn::FindInMap with a key known at deploy time")
            node = node.get(key) if isinstance(node, dict) else None
            if node is None:
                return Unknown(f"Fn::FindInMap key {key} not found")
        # The mapping's value is resolved afresh at each use: count it before, not after.
        budget = self.model.value_budget
        if budget.exhausted or not budget.spend(weight(node, budget.left + 1)):
            return Unknown(budget.reason)
        return self.resolve(node, depth)
