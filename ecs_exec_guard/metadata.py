"""The package's own metadata, read from its installed distribution (pyproject.toml is the one
source): the version and the project URLs, which SARIF's ``helpUri`` links are built from."""

from __future__ import annotations

from functools import cache
from importlib import metadata

from .analysis.rules_doc import rule_anchor

DISTRIBUTION = "ecs-exec-guard"
#: When the package runs from a checkout that was never installed (no distribution metadata).
UNKNOWN_VERSION = "0+unknown"


@cache
def package_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION


@cache
def project_urls() -> dict[str, str]:
    """pyproject's ``[project.urls]``, by label (empty when the package is not installed)."""
    try:
        entries = metadata.metadata(DISTRIBUTION).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return {}
    urls: dict[str, str] = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        urls[label.strip()] = url.strip()
    return urls


def rule_help_uri(rule_id: str) -> str | None:
    """The rule's section of RULES.md on the project's site, or None without a ``Rules`` URL."""
    base = project_urls().get("Rules")
    return f"{base}#{rule_anchor(rule_id)}" if base else None


def information_uri() -> str | None:
    urls = project_urls()
    return urls.get("Homepage") or urls.get("Source")
