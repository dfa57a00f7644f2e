"""A compact rendering of explain chains for tests: every link as ``kind [verdict] title``
with its details below, indented by depth, read through ``Link.to_json`` (what ``explain
--format json`` prints), so that one string pins kinds, verdicts, titles and details."""

from __future__ import annotations

from typing import Any

from cfn import Template

from ecs_exec_guard.analysis.explain import Link, explain


def outline(links: list[Link]) -> str:
    lines: list[str] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        pad = "  " * depth
        lines.append(f"{pad}{node['kind']} [{node['verdict']}] {node['title']}")
        lines.extend(f"{pad}    {d}" for d in node["details"])
        for child in node["children"]:
            walk(child, depth + 1)

    for link in links:
        walk(link.to_json(), 0)
    return "\n".join(lines) + "\n"


def chains(*templates: Template, target: str = "Service", require_exec: bool = False) -> list[Link]:
    return explain({t.name: t.body() for t in templates}, target, require_exec=require_exec)


def links_of(found: list[Link], kind: str) -> list[Link]:
    """Every link of ``kind`` in the chains, depth first."""
    out: list[Link] = []

    def walk(link: Link) -> None:
        if link.kind == kind:
            out.append(link)
        for child in link.children:
            walk(child)

    for link in found:
        walk(link)
    return out


def explained(*templates: Template, target: str = "Service", kind: str | None = None,
              require_exec: bool = False) -> str:
    """The outline of the whole chain, or of its links of ``kind`` (with what is below them)."""
    found = chains(*templates, target=target, require_exec=require_exec)
    return outline(found if kind is None else links_of(found, kind))
