#!/usr/bin/env python3
"""Generate ``ecs_exec_guard/analysis/data/managed_policies.json`` from a public snapshot of the
AWS managed policy documents.

Source: the ``aws/managedpolicies/<name>.json`` files of https://github.com/iann0036/iam-dataset
(MIT licence; one file per AWS managed policy with its ``arn`` and default-version
``document``). The snapshot itself is not kept in this repository: only what the rules need.

For every AWS managed policy the data file keeps the statements that concern the actions the
rules look at (:data:`TRACKED_ACTIONS`), with ``Action``/``NotAction`` replaced by the tracked
actions the statement matches, as decided by the analyzer's own IAM code
(``ecs_exec_guard.analysis.iam``: case-insensitive wildcards, ``NotAction``). ``Effect``,
``Resource``/``NotResource`` and ``Condition`` are kept as they are (``arn:aws:`` written as
``arn:${AWS::Partition}:``, so that the statements read the same in every partition), so the
analyzer evaluates them exactly as it evaluates a template's statements (Deny, NotResource,
conditions). A policy whose statements touch none of the tracked actions is recorded with no
statements: it is known to grant none of them.

A mirror may lack the blobs of the largest files (AdministratorAccess.json lists every AWS
action); an older revision of the file is used when present, else the document is taken from
https://github.com/zoph-io/MAMIP (``policies/<Name>``, default versions, no paths) and the data
file says so under ``snapshot.filled_from``.

Usage (the snapshot is a git directory, e.g. a bare clone)::

    python scripts/gen_managed_policies.py --git-dir /path/to/iam-dataset.git [--rev HEAD] \\
        [--mamip-git-dir /path/to/MAMIP.git]
    python scripts/gen_managed_policies.py --dir /path/to/iam-dataset   # a checkout
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ecs_exec_guard.analysis.iam import parse_document  # noqa: E402
from ecs_exec_guard.analysis.managed_policies import (  # noqa: E402
    DATA_FILE,
    TRACKED_ACTIONS,
    parse_arn,
)

SOURCE_REPO = "iann0036/iam-dataset"
SOURCE_DIR = "aws/managedpolicies"
MAMIP_REPO = "zoph-io/MAMIP"
LITERAL_AWS_ARN = re.compile(r"^arn:aws:")


def _git(git_dir: str, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", git_dir, *args], input=data, capture_output=True, check=True
    ).stdout


def _batch(git_dir: str, objects: list[str]) -> list[bytes | None]:
    """The contents of ``rev:path`` objects; None for one missing from the clone."""
    out = _git(git_dir, "cat-file", "--batch", data="".join(f"{o}\n" for o in objects).encode())
    found: list[bytes | None] = []
    pos = 0
    for _ in objects:
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].split()
        if header[-1] == b"missing":
            found.append(None)
            pos = header_end + 1
            continue
        size = int(header[2])
        found.append(out[header_end + 1 : header_end + 1 + size])
        pos = header_end + 1 + size + 1
    return found


def from_git(
    git_dir: str, rev: str
) -> tuple[list[tuple[str, dict[str, Any] | None]], str, str]:
    """The policy files of a revision (None where the clone lacks a blob, as shallow mirrors
    do for the largest files; an older revision of the same file is used when one is
    present), its full commit ID and the date of its last change to the policies (UTC)."""
    commit = _git(git_dir, "rev-parse", rev).decode().strip()
    stamp = _git(git_dir, "log", "-1", "--format=%ct", commit, "--", SOURCE_DIR).decode()
    date = datetime.fromtimestamp(int(stamp.strip()), UTC).date().isoformat()
    listing = _git(git_dir, "ls-tree", "-r", "--name-only", commit, SOURCE_DIR).decode()
    names = [n for n in listing.splitlines() if n.endswith(".json")]
    bodies = _batch(git_dir, [f"{commit}:{n}" for n in names])
    files: list[tuple[str, dict[str, Any] | None]] = []
    for name, body in zip(names, bodies, strict=True):
        if body is None:
            older = _git(git_dir, "log", "--format=%H", "-20", commit, "--", name).split()
            for candidate in _batch(git_dir, [f"{c.decode()}:{name}" for c in older[1:]]):
                if candidate is not None:
                    body = candidate
                    print(f"{name}: blob missing at {commit[:12]}, an older revision used")
                    break
        files.append((name, json.loads(body) if body is not None else None))
    return files, commit, date


def from_mamip(git_dir: str, names: list[str]) -> tuple[dict[str, Any], str, str]:
    """Documents of the named policies from a zoph-io/MAMIP git directory (``policies/<Name>``,
    the default version of each AWS managed policy, paths not recorded)."""
    commit = _git(git_dir, "rev-parse", "HEAD").decode().strip()
    stamp = _git(git_dir, "log", "-1", "--format=%ct", commit).decode().strip()
    date = datetime.fromtimestamp(int(stamp), UTC).date().isoformat()
    bodies = _batch(git_dir, [f"{commit}:policies/{n}" for n in names])
    found = {
        n: json.loads(b)["PolicyVersion"]["Document"]
        for n, b in zip(names, bodies, strict=True)
        if b is not None
    }
    return found, commit, date


def from_dir(directory: str) -> tuple[list[tuple[str, dict[str, Any] | None]], str, str]:
    base = Path(directory) / SOURCE_DIR
    files: list[tuple[str, dict[str, Any] | None]] = [
        (str(p), json.loads(p.read_text(encoding="utf-8"))) for p in sorted(base.glob("*.json"))
    ]
    return files, "unknown", datetime.now(UTC).date().isoformat()


def _partitionless(value: Any) -> Any:
    if isinstance(value, str):
        return LITERAL_AWS_ARN.sub("arn:${AWS::Partition}:", value)
    if isinstance(value, list):
        return [_partitionless(v) for v in value]
    return value


def reduce_document(document: Any) -> list[dict[str, Any]]:
    """The statements of ``document`` that concern a tracked action, reduced to those actions."""
    statements, problems = parse_document(document, None)
    if problems:
        raise ValueError("; ".join(problems))
    raw_statements = document["Statement"]
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    out: list[dict[str, Any]] = []
    for st, raw in zip(statements, raw_statements, strict=True):
        matched = [a for a in TRACKED_ACTIONS if st.matches_action(a)]
        if not matched:
            continue
        reduced: dict[str, Any] = {"Effect": st.effect, "Action": matched}
        for key in ("Resource", "NotResource", "Condition"):
            if key in raw:
                reduced[key] = _partitionless(raw[key]) if key != "Condition" else raw[key]
        out.append(reduced)
    return out


def build(
    files: list[tuple[str, dict[str, Any] | None]],
    commit: str,
    date: str,
    mamip: str | None = None,
) -> dict[str, Any]:
    policies: dict[str, list[dict[str, Any]]] = {}
    missing = [Path(name).stem for name, entry in files if entry is None]
    skipped: list[str] = []
    for name, entry in files:
        if entry is None:
            continue
        if not isinstance(entry.get("arn"), str):
            # Deleted policies keep their file without an ARN (and so without a path): they
            # can no longer be attached. Left out: such a name is unknown (cannot verify).
            skipped.append(Path(name).stem)
            continue
        parsed = parse_arn(entry["arn"])
        if parsed is None:
            raise ValueError(f"{name}: not an AWS managed policy ARN: {entry.get('arn')!r}")
        _, key = parsed
        try:
            policies[key] = reduce_document(entry["document"])
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"{name}: cannot read the policy document: {exc}") from None
    snapshot: dict[str, Any] = {"repository": SOURCE_REPO, "commit": commit, "date": date}
    if skipped:
        print(f"{len(skipped)} files without an ARN (deleted policies) left out")
    if missing:
        if mamip is None:
            raise SystemExit(
                f"{len(missing)} policy files are missing from the snapshot "
                f"({', '.join(missing)}): pass --mamip-git-dir to take them from zoph-io/MAMIP"
            )
        documents, m_commit, m_date = from_mamip(mamip, missing)
        absent = sorted(set(missing) - set(documents))
        if absent:
            raise SystemExit(f"not in MAMIP either: {', '.join(absent)}")
        for name, document in documents.items():
            policies[name] = reduce_document(document)  # MAMIP keeps no path: the root path
        snapshot["filled_from"] = {
            "repository": MAMIP_REPO,
            "commit": m_commit,
            "date": m_date,
            "policies": sorted(documents),
        }
    return {
        "source": f"https://github.com/{SOURCE_REPO} ({SOURCE_DIR}/*.json, MIT licence)",
        "snapshot": snapshot,
        "generator": "scripts/gen_managed_policies.py",
        "actions": list(TRACKED_ACTIONS),
        "policies": dict(sorted(policies.items(), key=lambda kv: kv[0].lower())),
    }


def dump(data: dict[str, Any]) -> str:
    """JSON with one policy per line: small, and diffs show which policies changed."""
    head = {k: v for k, v in data.items() if k != "policies"}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value)},")
    lines.append('  "policies": {')
    items = list(data["policies"].items())
    for i, (name, statements) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"    {json.dumps(name)}: {json.dumps(statements, sort_keys=True)}{comma}")
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--git-dir", help="a git directory of iann0036/iam-dataset")
    src.add_argument("--dir", help="a checkout of iann0036/iam-dataset")
    parser.add_argument("--rev", default="HEAD", help="the revision to read (with --git-dir)")
    parser.add_argument(
        "--mamip-git-dir",
        help="a git directory of zoph-io/MAMIP, for policies whose file the snapshot lacks",
    )
    parser.add_argument("--out", default=str(DATA_FILE), help="where to write the data file")
    args = parser.parse_args(argv)
    files, commit, date = from_git(args.git_dir, args.rev) if args.git_dir else from_dir(args.dir)
    data = build(files, commit, date, args.mamip_git_dir)
    Path(args.out).write_text(dump(data), encoding="utf-8")
    granting = sum(1 for s in data["policies"].values() if s)
    print(
        f"{len(data['policies'])} AWS managed policies ({granting} with statements on the "
        f"tracked actions), snapshot {commit[:12]} of {date} -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
