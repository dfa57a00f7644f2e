"""Template text to a template dict: JSON, or YAML as CloudFormation reads it (the ``!Ref``
short forms; no aliases, merge keys or the tags CloudFormation refuses).

Everything that goes wrong is a :class:`LoadError` with a one-line message; the CLI turns it
into exit code 2.
"""

from __future__ import annotations

import json
from typing import Any

import yaml


class LoadError(Exception):
    """Input that cannot be read as a CloudFormation template (or a cloud assembly)."""


# libyaml's parser when PyYAML has it (several times faster on large templates).
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnYamlLoader(_SafeLoader):  # type: ignore[misc]
    """SafeLoader that understands CloudFormation's short-form tags and keeps dates as text.

    It also refuses what CloudFormation refuses, before anything is built: "AWS CloudFormation
    doesn't support the following features: the binary, omap, pairs, set, and timestamp tags;
    aliases; hash merges" (AWS CloudFormation User Guide, "Template formats", YAML;
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html).
    CloudFormation answers "Template error: YAML aliases are not allowed in CloudFormation
    templates". Refusing aliases also means no "billion laughs": a small file whose aliases
    nest ten references ten levels deep would otherwise be analysed as 10^10 values.
    """

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        refuse_aliases(node)
        return self.construct_document(node)


_MERGE_TAG = "tag:yaml.org,2002:merge"


def refuse_aliases(root: yaml.Node) -> None:
    """Raise a YAMLError at the first alias (a node met twice) or merge key (``<<``).

    Iterative and linear in the number of distinct nodes, whatever the aliases would expand to.
    """
    seen: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise yaml.composer.ComposerError(
                None, None,
                "an alias (*name) repeats the node anchored here, and CloudFormation does "
                "not allow YAML aliases (expand them first, e.g. with aws cloudformation "
                "package)",
                node.start_mark,
            )
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                if key.tag == _MERGE_TAG:
                    raise yaml.composer.ComposerError(
                        None, None,
                        "YAML merge keys (<<) are not allowed in CloudFormation templates",
                        key.start_mark,
                    )
                stack.extend((value, key))


def _short_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    return {f"Fn::{suffix}": value}


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


def _unsupported_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None,
        f"the {node.tag.replace('tag:yaml.org,2002:', '!!')} tag is not supported by "
        "CloudFormation",
        node.start_mark,
    )


_CfnYamlLoader.add_multi_constructor("!", _short_form)
_CfnYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
for _tag in ("binary", "omap", "pairs", "set"):
    _CfnYamlLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _unsupported_tag)


def parse_template_text(text: str, source: str, require_resources: bool = True) -> dict[str, Any]:
    """Parse JSON or YAML text into a template dict; LoadError if it is not a template.

    Templates in a cloud assembly may lack Resources (an empty stack): pass
    ``require_resources=False`` for them.
    """
    body: Any
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            body = json.loads(text)
        except ValueError as exc:
            raise LoadError(f"{source}: invalid JSON: {exc}") from None
        except RecursionError:
            raise LoadError(f"{source}: invalid JSON: nested too deeply") from None
    else:
        try:
            body = yaml.load(text, Loader=_CfnYamlLoader)  # a SafeLoader subclass
        except RecursionError:
            raise LoadError(f"{source}: invalid YAML: nested too deeply") from None
        except (ValueError, OverflowError) as exc:  # a scalar the constructors cannot convert
            raise LoadError(f"{source}: invalid YAML: {str(exc).split(';')[0]}") from None
        except KeyError as exc:  # PyYAML looks a !!bool value up: "!!bool maybe" raised this
            raise LoadError(f"{source}: invalid YAML: {exc} is not a value of its tag") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise LoadError(f"{source}: invalid YAML{where}: {problem}") from None
    if not isinstance(body, dict):
        raise LoadError(f"{source}: not a CloudFormation template (the document is not a mapping)")
    if "Resources" not in body:
        if not require_resources:
            return body
        raise LoadError(f"{source}: not a CloudFormation template (no Resources section)")
    if not isinstance(body["Resources"], dict):
        raise LoadError(f"{source}: Resources is not a mapping")
    return body
