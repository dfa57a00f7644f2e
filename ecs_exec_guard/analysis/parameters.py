"""Parameter values from the command line: ``--parameters FILE`` and ``-p [TEMPLATE:]KEY=VALUE``.

A parameter file is either the CloudFormation CLI's list form
(``[{"ParameterKey": "Env", "ParameterValue": "prod"}]``, as ``aws cloudformation create-stack
--parameters file://...`` takes it) or the template-configuration form that CodePipeline and
Copilot use (``{"Parameters": {"Env": "prod"}, "Tags": {...}}``), in JSON or YAML. Anything else
is a :class:`ParameterError` (a usage error) with a one-line message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from .analyzer import TemplateInput
from .loader import LoadError
from .model import STACK_NAME

_SCALARS = (str, int, float, bool)


class ParameterError(LoadError):
    """A parameter file or assignment that cannot be used."""


def _value(source: str, key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _SCALARS):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value):
        return ",".join(_value(source, key, v) for v in value)  # a list parameter
    raise ParameterError(f"{source}: the value of {key} is not a string")


def parse_parameter_text(text: str, source: str) -> dict[str, str]:
    """Parameter values from the text of a parameter file."""
    try:
        data: Any = (
            json.loads(text) if text.lstrip().startswith(("[", "{")) else yaml.safe_load(text)
        )
    except (ValueError, yaml.YAMLError, RecursionError):
        raise ParameterError(f"{source}: not a parameter file (invalid JSON or YAML)") from None
    out: dict[str, str] = {}
    if isinstance(data, list):
        for i, entry in enumerate(data):
            if not isinstance(entry, dict) or not isinstance(entry.get("ParameterKey"), str):
                raise ParameterError(
                    f"{source}: entry {i + 1} has no ParameterKey (expected "
                    '[{"ParameterKey": ..., "ParameterValue": ...}])'
                )
            key = entry["ParameterKey"]
            if entry.get("UsePreviousValue") is True and "ParameterValue" not in entry:
                continue  # the deployed value, which the templates cannot tell: stays unknown
            if "ParameterValue" not in entry:
                raise ParameterError(f"{source}: {key} has no ParameterValue")
            out[key] = _value(source, key, entry["ParameterValue"])
        return out
    if isinstance(data, dict) and isinstance(data.get("Parameters"), dict):
        for key, value in data["Parameters"].items():
            out[str(key)] = _value(source, str(key), value)
        return out
    raise ParameterError(
        f"{source}: not a parameter file (expected a list of ParameterKey/ParameterValue "
        'entries or {"Parameters": {...}})'
    )


def read_parameter_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ParameterError(f"{path}: not a text file") from None
    except OSError as exc:
        raise ParameterError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. an embedded NUL in the path
        raise ParameterError(f"{str(path)!r}: not a usable path ({exc})") from None
    return parse_parameter_text(text, str(path))


def split_assignment(text: str) -> tuple[str | None, str, str]:
    """``[TEMPLATE:]KEY=VALUE`` -> (template selector or None, key, value)."""
    left, sep, value = text.partition("=")
    if not sep or not left:
        raise ParameterError(f"-p {text}: expected KEY=VALUE or TEMPLATE:KEY=VALUE")
    if STACK_NAME in left:
        selector, key = left[: left.index(STACK_NAME)].rstrip(":"), STACK_NAME
    else:
        selector, _, key = left.rpartition(":")
    if not key or (key != STACK_NAME and not key.replace("_", "").isalnum()):
        raise ParameterError(f"-p {text}: {key or 'the key'} is not a parameter name")
    return selector or None, key, value


def _matches(selector: str, item: TemplateInput) -> bool:
    name, _, path = item
    wanted = {selector, selector.removeprefix("./")}
    base = name.rsplit("/", 1)[-1]
    stem = base.split(".", 1)[0]
    if name in wanted or base in wanted or stem in wanted:
        return True
    if path is not None:
        try:
            return Path(selector).resolve() == Path(path).resolve()
        except (OSError, ValueError):  # an unusable path (e.g. an embedded NUL) names nothing
            return False
    return False


def select_template(selector: str, inputs: Iterable[TemplateInput], what: str) -> str:
    """The name of the one input template that ``selector`` names (its name, path or stem)."""
    found = [item[0] for item in inputs if _matches(selector, item)]
    if not found:
        raise ParameterError(f"{what}: no input template is {selector}")
    if len(found) > 1:
        raise ParameterError(f"{what}: {selector} names {len(found)} templates; give its path")
    return found[0]


def resolve_parameters(
    files: Iterable[str], assignments: Iterable[str], inputs: list[TemplateInput]
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(values for every template, template name -> values) from the CLI options.

    Files come first, in order, then ``-p`` assignments; a later value wins. ``FILE`` may be
    prefixed with ``TEMPLATE:`` to apply to one template. A ``-p`` key that no input template
    declares is an error (a typo would otherwise leave the parameter silently unknown).
    """
    common: dict[str, str] = {}
    per: dict[str, dict[str, str]] = {}
    for spec in files:
        path, selector = Path(spec), None
        if not _is_file(path) and ":" in spec:
            selector, _, rest = spec.partition(":")
            path = Path(rest)
        values = read_parameter_file(path)
        if selector is None:
            common.update(values)
        else:
            name = select_template(selector, inputs, f"--parameters {spec}")
            per.setdefault(name, {}).update(values)
    declared = {name: _declared(body) for name, body, _ in inputs}
    for text in assignments:
        selector, key, value = split_assignment(text)
        if selector is None:
            if key != STACK_NAME and not any(key in keys for keys in declared.values()):
                raise ParameterError(f"-p {text}: no input template declares parameter {key}")
            common[key] = value
        else:
            name = select_template(selector, inputs, f"-p {text}")
            if key != STACK_NAME and key not in declared[name]:
                raise ParameterError(f"-p {text}: {name} declares no parameter {key}")
            per.setdefault(name, {})[key] = value
    return common, per


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _declared(body: Any) -> set[str]:
    params = body.get("Parameters") if isinstance(body, Mapping) else None
    return {str(k) for k in params} if isinstance(params, dict) else set()
