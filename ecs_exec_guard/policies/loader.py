"""Reading templates from disk: JSON, YAML (with the ``!Ref`` short forms) and ``cdk.out``.

Everything that goes wrong here is a :class:`LoadError` with a one-line message; the CLI
turns it into exit code 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .analyzer import TemplateInput


class LoadError(Exception):
    """Input that cannot be read as a CloudFormation template (or a cloud assembly)."""


class _CfnYamlLoader(yaml.SafeLoader):
    """SafeLoader that understands CloudFormation's short-form tags and keeps dates as text."""


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


_CfnYamlLoader.add_multi_constructor("!", _short_form)
_CfnYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def parse_template_text(text: str, source: str) -> dict[str, Any]:
    """Parse JSON or YAML text into a template dict; LoadError if it is not a template."""
    body: Any
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            body = json.loads(text)
        except ValueError as exc:
            raise LoadError(f"{source}: invalid JSON: {exc}") from None
    else:
        try:
            body = yaml.load(text, Loader=_CfnYamlLoader)  # a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise LoadError(f"{source}: invalid YAML{where}: {problem}") from None
    if not isinstance(body, dict):
        raise LoadError(f"{source}: not a CloudFormation template (the document is not a mapping)")
    if "Resources" not in body:
        raise LoadError(f"{source}: not a CloudFormation template (no Resources section)")
    if not isinstance(body["Resources"], dict):
        raise LoadError(f"{source}: Resources is not a mapping")
    return body


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LoadError(f"{path}: not a text file") from None
    except OSError as exc:
        raise LoadError(f"{path}: cannot read: {exc.strerror or exc}") from None


def load_template(path: Path, name: str | None = None) -> TemplateInput:
    return (name or path.name, parse_template_text(_read(path), str(path)), str(path))


def _manifest_artifacts(directory: Path) -> dict[str, Any]:
    manifest_path = directory / "manifest.json"
    try:
        manifest = json.loads(_read(manifest_path))
    except ValueError as exc:
        raise LoadError(f"{manifest_path}: invalid JSON: {exc}") from None
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        raise LoadError(f"{manifest_path}: not a cloud assembly manifest (no artifacts)")
    return artifacts


def _logical_id_paths(directory: Path, artifact: dict[str, Any]) -> dict[str, str]:
    """Logical ID -> construct path, from a stack artifact's ``aws:cdk:logicalId`` metadata."""
    metadata: Any = artifact.get("metadata")
    extra = artifact.get("additionalMetadataFile")
    if isinstance(extra, str):
        try:
            metadata = json.loads((directory / extra).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            metadata = None
    paths: dict[str, str] = {}
    if isinstance(metadata, dict):
        for path, entries in metadata.items():
            for entry in entries if isinstance(entries, list) else ():
                if isinstance(entry, dict) and entry.get("type") == "aws:cdk:logicalId":
                    data = entry.get("data")
                    if isinstance(data, str) and isinstance(path, str):
                        paths.setdefault(data, path.lstrip("/"))
    return paths


def add_construct_paths(body: dict[str, Any], paths: dict[str, str]) -> None:
    """Record construct paths as ``aws:cdk:path`` metadata where the template lacks it."""
    resources = body.get("Resources")
    if not isinstance(resources, dict):
        return
    for logical_id, resource in resources.items():
        path = paths.get(logical_id)
        if path is None or not isinstance(resource, dict):
            continue
        meta = resource.get("Metadata")
        if meta is None:
            resource["Metadata"] = {"aws:cdk:path": path}
        elif isinstance(meta, dict) and "aws:cdk:path" not in meta:
            meta["aws:cdk:path"] = path


def stack_construct_paths(template_path: Path) -> dict[str, str]:
    """For a template inside a cloud assembly: its resources' construct paths (may be empty)."""
    directory = template_path.parent
    try:
        artifacts = _manifest_artifacts(directory)
    except LoadError:
        return {}
    for artifact in artifacts.values():
        props = artifact.get("properties") if isinstance(artifact, dict) else None
        if isinstance(props, dict) and props.get("templateFile") == template_path.name:
            return _logical_id_paths(directory, artifact)
    return {}


def _assembly_templates(root: Path, directory: Path, depth: int = 0) -> list[TemplateInput]:
    artifacts = _manifest_artifacts(directory)
    out: list[TemplateInput] = []
    for artifact in artifacts.values():
        if not isinstance(artifact, dict):
            continue
        props = artifact.get("properties") or {}
        kind = artifact.get("type")
        if kind == "aws:cloudformation:stack" and isinstance(props.get("templateFile"), str):
            path = directory / props["templateFile"]
            name, body, source = load_template(path, path.relative_to(root).as_posix())
            add_construct_paths(body, _logical_id_paths(directory, artifact))
            out.append((name, body, source))
        elif kind == "cdk:cloud-assembly" and isinstance(props.get("directoryName"), str):
            if depth > 16:
                raise LoadError(f"{directory}: nested assemblies are too deep")
            out.extend(_assembly_templates(root, directory / props["directoryName"], depth + 1))
    return out


def load_paths(paths: list[str]) -> list[TemplateInput]:
    """Templates from files and ``cdk.out`` directories; one app (cross-stack refs resolve)."""
    out: list[TemplateInput] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise LoadError(f"{raw}: no such file or directory")
        if path.is_dir():
            if (path / "manifest.json").is_file():
                found = _assembly_templates(path, path)
            else:
                files = sorted(
                    p
                    for pattern in ("*.template.json", "*.template.yaml", "*.template.yml")
                    for p in path.rglob(pattern)
                )
                found = [load_template(p, p.relative_to(path).as_posix()) for p in files]
            if not found:
                raise LoadError(f"{raw}: no CloudFormation templates found in this directory")
            out.extend(found)
        else:
            out.append(load_template(path))
    names: dict[str, int] = {}
    unique: list[TemplateInput] = []
    for name, body, source in out:
        count = names.get(name, 0)
        names[name] = count + 1
        unique.append((name if count == 0 else f"{name}#{count + 1}", body, source))
    return unique
