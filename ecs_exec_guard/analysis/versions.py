"""What `ecs-exec-guard --version` reports besides the package version: the rule set and the
data files the analyzer reads (``analysis/data/*.json``), so that two runs can be compared.

The rule-set version is a fingerprint of every rule's ID, severity and texts: it changes when a
rule is added, removed, re-graded or reworded, without anyone having to remember to bump it.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from importlib.resources.abc import Traversable

from .rules import ALL_RULES

#: Keys a data file may use, at its top level, to say which snapshot it is (first match wins).
DATA_VERSION_KEYS = ("version", "data_version", "date", "snapshot_date", "generated")


def ruleset_version() -> str:
    """``<count> rules, <12 hex digits>``: the number of rules and their fingerprint."""
    digest = hashlib.sha256()
    for rule in ALL_RULES:
        for text in (rule.id, rule.severity.value, rule.description, rule.explanation, rule.fix):
            digest.update(text.encode("utf-8") + b"\0")
    return f"{len(ALL_RULES)} rules, {digest.hexdigest()[:12]}"


def data_versions(folder: Traversable | None = None) -> dict[str, str]:
    """Each data file the analyzer ships (by file name) and the snapshot it is, or ``undated``;
    ``folder`` defaults to the package's ``analysis/data``."""
    found: dict[str, str] = {}
    if folder is None:
        folder = resources.files(__package__).joinpath("data")
    if not folder.is_dir():
        return found
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        try:
            content = json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            found[entry.name] = "unreadable"
            continue
        version = "undated"
        if isinstance(content, dict):
            for key in DATA_VERSION_KEYS:
                if isinstance(content.get(key), str | int):
                    version = str(content[key])
                    break
        found[entry.name] = version
    return found


def describe() -> str:
    """One line: the rule set and the data files, for ``--version``."""
    data = data_versions()
    shipped = ", ".join(f"{name} {version}" for name, version in data.items()) or "none"
    return f"rule set {ruleset_version()}; data: {shipped}"
