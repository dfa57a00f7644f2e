"""Reading templates from disk: JSON, YAML (with the ``!Ref`` short forms) and ``cdk.out``,
within the input limits (:mod:`.limits`).

Everything that goes wrong here is a :class:`LoadError` with a one-line message; the CLI
turns it into exit code 2. Parsing is :mod:`.parse`.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .analyzer import TemplateInput
from .limits import LimitError, Limits, active_tally, finish_load, start_load
from .model import NESTED_STACK_TYPES, NESTED_TEMPLATE_KEY, nested_template_file
from .parse import LoadError, parse_template_text

__all__ = ["LoadError", "load_paths", "load_template", "parse_template_text"]


# -- limits (see .limits): inside load_paths, every template read is admitted first ---------


def _admit(path: Path) -> int | None:
    """Count the template against the load's limits; its byte limit, or LoadError."""
    tally = active_tally()
    if tally is None:
        return None  # not within load_paths (the pack reads the app's own synthesis)
    try:
        tally.admit(path, path.stat().st_size)
    except LimitError as exc:
        raise LoadError(str(exc)) from None
    except OSError as exc:
        raise LoadError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. an embedded NUL in a manifest's templateFile
        raise LoadError(f"{str(path)!r}: not a usable path ({exc})") from None
    return tally.limits.max_template_bytes


def _resolved(path: Path) -> Path:
    """``path.resolve()``; LoadError for a path no file can have (an embedded NUL, which only
    a crafted manifest can hold)."""
    try:
        return path.resolve()
    except ValueError as exc:
        raise LoadError(f"{str(path)!r}: not a usable path ({exc})") from None


def _expect(count: int, where: Path) -> None:
    """LoadError at once when ``count`` more templates would be over the count limit."""
    tally = active_tally()
    if tally is None:
        return
    try:
        tally.expect(count, where)
    except LimitError as exc:
        raise LoadError(str(exc)) from None


def _read(path: Path, max_bytes: int | None = None, option: str = "--max-total-bytes") -> str:
    """The file's text; LoadError when it is unreadable or has more than ``max_bytes`` bytes
    (default, within load_paths: the total-bytes limit, for manifests and asset files)."""
    tally = active_tally()
    if max_bytes is None and tally is not None:
        max_bytes = tally.limits.max_total_bytes
    try:
        with path.open("rb") as f:
            data = f.read() if max_bytes is None else f.read(max_bytes + 1)
    except OSError as exc:
        raise LoadError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. an embedded NUL in the path
        raise LoadError(f"{str(path)!r}: not a usable path ({exc})") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise LoadError(f"{path}: over {max_bytes:,} bytes (raise the limit with {option})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise LoadError(f"{path}: not a text file") from None


def load_template(
    path: Path, name: str | None = None, require_resources: bool = True
) -> TemplateInput:
    text = _read(path, _admit(path), "--max-template-bytes")
    body = parse_template_text(text, str(path), require_resources)
    return (name or path.name, body, str(path))


def _manifest_artifacts(directory: Path) -> dict[str, Any]:
    manifest_path = directory / "manifest.json"
    try:
        manifest = json.loads(_read(manifest_path))
    except ValueError as exc:
        raise LoadError(f"{manifest_path}: invalid JSON: {exc}") from None
    except RecursionError:
        raise LoadError(f"{manifest_path}: invalid JSON: nested too deeply") from None
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        raise LoadError(f"{manifest_path}: not a cloud assembly manifest (no artifacts)")
    return artifacts


def _logical_id_entries(directory: Path, artifact: dict[str, Any]) -> list[tuple[str, str]]:
    """(construct path, logical ID) pairs from a stack artifact's ``aws:cdk:logicalId`` metadata.

    The metadata of a stack covers its nested stacks too, so logical IDs may repeat across them;
    :func:`_paths_under` picks the entries of one template.
    """
    metadata = _artifact_metadata(directory, artifact)
    entries: list[tuple[str, str]] = []
    for path, items in metadata.items():
        for entry in items if isinstance(items, list) else ():
            if isinstance(entry, dict) and entry.get("type") == "aws:cdk:logicalId":
                data = entry.get("data")
                if isinstance(data, str) and isinstance(path, str):
                    entries.append((path.lstrip("/"), data))
    return entries


def _paths_by_template(
    entries: list[tuple[str, str]], nested_prefixes: list[str]
) -> dict[str | None, dict[str, str]]:
    """For each template (its nested-stack prefix, None for the top one): logical ID ->
    construct path of its resources. An entry belongs to the longest nested prefix its path
    is under. Construct paths only label findings: when entries x prefix lengths would be
    more than :data:`MAX_PATH_CHECKS` (a crafted assembly), there are none."""
    prefixes = set(nested_prefixes)
    lengths = sorted({len(p) for p in prefixes}, reverse=True)  # the longest prefix first
    if len(entries) * len(lengths) > MAX_PATH_CHECKS:
        return {}
    out: dict[str | None, dict[str, str]] = {}
    for path, logical_id in entries:
        owner: str | None = None
        for n in lengths:
            if n < len(path) and path[n] == "/" and path[:n] in prefixes:
                owner = path[:n]
                break
        out.setdefault(owner, {}).setdefault(logical_id, path)
    return out


MAX_PATH_CHECKS = 5_000_000


def add_construct_paths(body: Mapping[str, Any], paths: dict[str, str]) -> None:
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


NESTED_STACK = "AWS::CloudFormation::Stack"
ASSET_PATH = "aws:asset:path"
NESTED_SUFFIX = ".NestedStack/"


def _asset_files(directory: Path) -> dict[str, str]:
    """Asset hash -> file, from the asset manifests (``*.assets.json``) of an assembly dir."""
    tally = active_tally()
    if tally is None:
        return _read_asset_files(directory)
    key = ("assets", directory.resolve())
    if key not in tally.memo:  # read once per directory, not once per stack
        tally.memo[key] = _read_asset_files(directory)
    files: dict[str, str] = tally.memo[key]
    return files


def _read_asset_files(directory: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    for manifest in directory.glob("*.assets.json"):
        try:
            data = json.loads(_read(manifest))
        except (LoadError, ValueError, RecursionError):
            continue
        entries = data.get("files") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            continue
        for key, entry in entries.items():
            source = entry.get("source") if isinstance(entry, dict) else None
            if isinstance(source, dict) and isinstance(source.get("path"), str):
                files[key] = source["path"]
    return files


def _nested_file(resource: dict[str, Any], assets: dict[str, str]) -> str | None:
    meta = resource.get("Metadata")
    if isinstance(meta, dict) and isinstance(meta.get(ASSET_PATH), str):
        return str(meta[ASSET_PATH])
    props = resource.get("Properties")
    url = json.dumps(props.get("TemplateURL") if isinstance(props, dict) else None)
    # CDK names assets by their SHA-256: look the URL's hashes up rather than trying every
    # asset on every nested stack resource; other keys (rare) are tried in turn.
    keys = [m.group(0) for m in _HASH.finditer(url) if m.group(0) in assets]
    keys += [k for k in assets if not _HASH.fullmatch(k) and k in url]
    for key in keys:
        path = assets[key]
        if path.endswith(".template.json"):
            if not isinstance(meta, dict):
                meta = resource["Metadata"] = {}
            meta[ASSET_PATH] = path
            return path
    return None


_HASH = re.compile(r"[0-9a-f]{64}")


def stack_with_nested(
    root: Path, path: Path, entries: list[tuple[str, str]]
) -> list[TemplateInput]:
    """A stack template and its nested stack templates (recursively), construct paths added.

    Each nested stack's ``AWS::CloudFormation::Stack`` resource gets ``aws:asset:path``
    metadata naming its template file, which is how the model links a nested template to its
    parent (parameters in, outputs out).
    """
    directory = path.parent
    assets = _asset_files(directory)
    found: list[tuple[Path, Mapping[str, Any], str | None]] = []
    top = load_template(path, path.relative_to(root).as_posix(), require_resources=False)[1]
    queue: list[tuple[Path, Mapping[str, Any], str | None]] = [(path, top, None)]
    seen = {path.resolve()}
    nested_paths: dict[str, list[str]] = {}  # logical ID -> paths of nested stack resources
    for p, lid in entries:
        if NESTED_SUFFIX in p:
            nested_paths.setdefault(lid, []).append(p)
    while queue:
        file, body, prefix = queue.pop(0)
        found.append((file, body, prefix))
        resources = body.get("Resources")
        for logical_id, res in (resources or {}).items():
            if not isinstance(res, dict) or res.get("Type") != NESTED_STACK:
                continue
            nested = _nested_file(res, assets)
            if nested is None:
                continue
            child = directory / nested
            if not child.is_file() or child.resolve() in seen:
                continue  # (is_file is False for a path with an embedded NUL too)
            seen.add(child.resolve())
            child_prefix = next(
                (p.split(NESTED_SUFFIX)[0] for p in nested_paths.get(logical_id, ())
                 if prefix is None or p.startswith(prefix + "/")),
                None,
            )
            child_body = load_template(child, child.relative_to(root).as_posix(), False)[1]
            queue.append((child, child_body, child_prefix))
    by_template = _paths_by_template(entries, [p for _, _, p in found if p is not None])
    out: list[TemplateInput] = []
    for file, body, prefix in found:
        add_construct_paths(body, by_template.get(prefix, {}))
        out.append((file.relative_to(root).as_posix(), body, str(file)))
    return out


def stack_entries(template_path: Path) -> list[tuple[str, str]]:
    """For a template inside a cloud assembly: its artifact's logical-ID metadata (may be [])."""
    directory = template_path.parent
    try:
        artifacts = _manifest_artifacts(directory)
    except LoadError:
        return []
    for artifact in artifacts.values():
        props = artifact.get("properties") if isinstance(artifact, dict) else None
        if isinstance(props, dict) and props.get("templateFile") == template_path.name:
            return _logical_id_entries(directory, artifact)
    return []


def _assembly_templates(root: Path, directory: Path, depth: int = 0) -> list[TemplateInput]:
    tally = active_tally()
    if tally is not None and not tally.first_visit(_resolved(directory)):
        return []  # a nested assembly listed twice (or in a cycle) is read once
    artifacts = _manifest_artifacts(directory)
    stacks = [a for a in artifacts.values() if isinstance(a, dict)
              and a.get("type") == "aws:cloudformation:stack"]
    _expect(len(stacks), directory / "manifest.json")
    out: list[TemplateInput] = []
    for artifact in artifacts.values():
        if not isinstance(artifact, dict):
            continue
        props = artifact.get("properties")
        if not isinstance(props, dict):
            continue
        kind = artifact.get("type")
        if kind == "aws:cloudformation:stack" and isinstance(props.get("templateFile"), str):
            path = directory / props["templateFile"]
            out.extend(stack_with_nested(root, path, _logical_id_entries(directory, artifact)))
        elif kind == "cdk:cloud-assembly" and isinstance(props.get("directoryName"), str):
            if depth > 16:
                raise LoadError(f"{directory}: nested assemblies are too deep")
            out.extend(_assembly_templates(root, directory / props["directoryName"], depth + 1))
    return out


TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml")
_NAMED_TEMPLATE = (".template.json", ".template.yaml", ".template.yml")
_LOOKS_LIKE_TEMPLATE = re.compile(r'^\s*"?(Resources|AWSTemplateFormatVersion)"?\s*:', re.M)
# Directories a template search never enters: tool caches, dependencies, virtual envs.
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "site-packages"})


def _search_directory(root: Path, notes: list[str]) -> list[TemplateInput]:
    """Every CloudFormation template under a directory (one without a cloud assembly manifest).

    A template is any ``*.json`` / ``*.yaml`` / ``*.yml`` with a ``Resources`` section; other
    files are skipped. A ``*.template.*`` file that is not a template is an error (it says it
    is one); another file that does not parse is skipped, with a note when it looks like a
    template (a top-level ``Resources`` or ``AWSTemplateFormatVersion`` key). A subdirectory with a
    ``manifest.json`` is read as a cloud assembly (``cdk.out``); hidden directories and
    dependency folders (``node_modules``, virtual environments) are not searched.
    """
    found: list[TemplateInput] = []
    for directory, subdirs, files in os.walk(root):
        here = Path(directory)
        subdirs[:] = sorted(
            d for d in subdirs
            if not d.startswith(".") and d not in _SKIPPED_DIRS
            and not (here / d / "pyvenv.cfg").is_file()
        )
        for d in list(subdirs):
            if (here / d / "manifest.json").is_file():
                subdirs.remove(d)
                try:
                    found.extend(_assembly_templates(root, here / d))
                except LoadError as exc:
                    notes.append(f"skipped {exc}")
        for file in sorted(files):
            path = here / file
            if not file.endswith(TEMPLATE_SUFFIXES) or not path.is_file():
                continue  # not a template name, or not a regular file (a FIFO would block)
            name = path.relative_to(root).as_posix()
            if file.endswith(_NAMED_TEMPLATE):
                found.append(load_template(path, name))
                continue
            tally = active_tally()
            limit = tally.limits.max_template_bytes if tally is not None else None
            try:
                text = _read(path, limit, "--max-template-bytes")
            except LoadError as exc:
                if limit is not None and path.stat().st_size > limit and _head_looks_like(path):
                    notes.append(f"skipped {exc}")  # too large to read: say so if a template
                continue  # not text: not a template
            try:
                body = parse_template_text(text, str(path), require_resources=False)
            except LoadError as exc:
                if _LOOKS_LIKE_TEMPLATE.search(text):
                    notes.append(f"skipped {exc}")  # a broken template must not pass unseen
                continue
            if isinstance(body.get("Resources"), dict):
                _admit(path)  # a template: it counts against the limits
                found.append((name, body, str(path)))
    return found


def _head_looks_like(path: Path) -> bool:
    """Whether the first 64 KiB of a file look like a template's (for a skipped file's note)."""
    try:
        with path.open("rb") as f:
            head = f.read(65536).decode("utf-8", errors="replace")
    except OSError:
        return False
    return _LOOKS_LIKE_TEMPLATE.search(head) is not None


def _follow_nested_files(found: list[TemplateInput]) -> list[TemplateInput]:
    """Add the local nested templates (``TemplateURL`` / SAM ``Location``) that exist,
    recursively, and record on each nested stack resource which template is its own
    (:data:`NESTED_TEMPLATE_KEY` metadata). A file that several nested stacks deploy (with
    different parameters) is loaded once per stack, as ``file#LogicalId`` after the first.
    A missing file is left to the analysis (EcsExec-INP1, cannot verify).
    """
    by_path = {str(Path(path).resolve()): name for name, _, path in found if path}
    names = {name for name, _, _ in found}
    claimed: set[str] = set()
    out = list(found)
    queue = list(found)
    while queue:
        name, body, path = queue.pop(0)
        resources = body.get("Resources") if isinstance(body, Mapping) else None
        if path is None or not isinstance(resources, dict):
            continue
        for logical_id, res in resources.items():
            if not isinstance(res, dict) or res.get("Type") not in NESTED_STACK_TYPES:
                continue
            if ASSET_PATH in (res.get("Metadata") or {}):
                continue  # CDK nested stacks: stack_with_nested follows them
            local = nested_template_file(res)
            child = Path(path).parent / local if local is not None else None
            if child is None or not child.is_file():
                continue
            key = str(child.resolve())
            child_name = by_path.get(key)
            if child_name is None or child_name in claimed:
                base = posixpath.normpath(posixpath.join(posixpath.dirname(name), str(local)))
                child_name = base if base not in names else f"{base}#{logical_id}"
                while child_name in names:
                    child_name += "#"
                loaded = load_template(child, child_name)
                by_path.setdefault(key, child_name)
                names.add(child_name)
                out.append(loaded)
                queue.append(loaded)
            claimed.add(child_name)
            meta = res.get("Metadata")
            if not isinstance(meta, dict):
                meta = res["Metadata"] = {}
            meta[NESTED_TEMPLATE_KEY] = child_name
    return out


def load_paths(
    paths: list[str], notes: list[str] | None = None, limits: Limits | None = None
) -> list[TemplateInput]:
    """Templates from files and directories; one app (cross-stack refs resolve).

    A directory with a ``manifest.json`` is a cloud assembly (``cdk.out``); any other directory
    is searched for templates (see :func:`_search_directory`). Local nested templates are
    followed. What was skipped is appended to ``notes`` (one line each). ``limits`` bounds
    what is read (see :mod:`.limits`); an input over them is a LoadError.
    """
    token = start_load(limits or Limits())
    try:
        return _load_paths(paths, notes if notes is not None else [])
    finally:
        finish_load(token)


def _load_paths(paths: list[str], notes: list[str]) -> list[TemplateInput]:
    out: list[TemplateInput] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise LoadError(f"{raw}: no such file or directory")
        if path.is_dir():
            if (path / "manifest.json").is_file():
                found = _assembly_templates(path, path)
            else:
                found = _search_directory(path, notes)
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
    return _follow_nested_files(unique)


ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"


def assembly_acknowledgments(
    directory: Path, depth: int = 0, seen: set[Path] | None = None
) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """CDK acknowledgments recorded in a cloud assembly, and the stacks' construct paths.

    ``Validations.of(c).acknowledge(Acknowledgment(id, reason))`` writes
    ``{"type": "aws:cdk:acknowledged-rules", "data": {id: reason}}`` under the construct's path
    in the stack's metadata (``*.metadata.json``). Returns ``(construct path, id, reason)``
    entries (all packs' IDs) and, per stack template file (resolved path), the stack's
    construct path (its ``displayName``).

    CDK writes no metadata for acknowledgments on a Stage or the App itself; those are read
    from the ``validation-report.json`` that the last synthesis wrote (``acknowledgedAt`` of
    its suppressed violations) when the pack ran then, and are invisible otherwise.
    """
    seen = set() if seen is None else seen
    if _resolved(directory) in seen:
        return [], {}  # a nested assembly listed twice (or in a cycle) is read once
    seen.add(directory.resolve())
    artifacts = _manifest_artifacts(directory)
    entries: list[tuple[str, str, str]] = []
    if depth == 0:
        entries.extend(_reported_acknowledgments(directory / "validation-report.json"))
    stacks: dict[str, str] = {}
    for artifact_id, artifact in artifacts.items():
        if not isinstance(artifact, dict):
            continue
        props = artifact.get("properties")
        props = props if isinstance(props, dict) else {}
        kind = artifact.get("type")
        if kind == "cdk:cloud-assembly" and isinstance(props.get("directoryName"), str):
            if depth > 16:
                raise LoadError(f"{directory}: nested assemblies are too deep")
            more, more_stacks = assembly_acknowledgments(
                directory / props["directoryName"], depth + 1, seen
            )
            entries.extend(more)
            stacks.update(more_stacks)
            continue
        if kind != "aws:cloudformation:stack":
            continue
        if isinstance(props.get("templateFile"), str):
            name = artifact.get("displayName")
            stack_path = name if isinstance(name, str) else str(artifact_id)
            stacks[str(_resolved(directory / props["templateFile"]))] = stack_path
        for path, items in _artifact_metadata(directory, artifact).items():
            for entry in items if isinstance(items, list) else ():
                if not isinstance(entry, dict) or entry.get("type") != ACKNOWLEDGED_RULES:
                    continue
                data = entry.get("data")
                for ack_id, reason in (data.items() if isinstance(data, dict) else ()):
                    if isinstance(path, str) and isinstance(ack_id, str):
                        entries.append((path.lstrip("/"), ack_id, str(reason)))
    return entries, stacks


def _reported_acknowledgments(path: Path) -> list[tuple[str, str, str]]:
    """(construct path, ID, reason) of the suppressed violations of a validation report."""
    if not path.is_file():
        return []
    try:
        report = json.loads(_read(path))
    except (LoadError, ValueError, RecursionError):
        return []
    out: list[tuple[str, str, str]] = []
    plugins = report.get("pluginReports") if isinstance(report, dict) else None
    for plugin in plugins if isinstance(plugins, list) else ():
        suppressed = plugin.get("suppressedViolations") if isinstance(plugin, dict) else None
        for v in suppressed if isinstance(suppressed, list) else ():
            if not isinstance(v, dict):
                continue
            at, ack_id, reason = v.get("acknowledgedAt"), v.get("acknowledgedId"), v.get("reason")
            if isinstance(at, str) and isinstance(ack_id, str):
                out.append((at.lstrip("/"), ack_id, str(reason)))
    return out


def _artifact_metadata(directory: Path, artifact: dict[str, Any]) -> dict[str, Any]:
    metadata: Any = artifact.get("metadata")
    extra = artifact.get("additionalMetadataFile")
    if isinstance(extra, str):
        try:
            metadata = json.loads(_read(directory / extra))
        except (LoadError, ValueError, RecursionError):
            # An unreadable file adds nothing: construct paths (and CDK acknowledgments) only;
            # the findings keep their logical IDs.
            metadata = None
    return metadata if isinstance(metadata, dict) else {}
