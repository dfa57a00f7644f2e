"""Renderings of an explain chain (:mod:`.explain`): an indented text tree and a Mermaid
flowchart (GitHub renders it in pull-request comments), both with the verdict of each link."""

from __future__ import annotations

from .explain import BROKEN, INFO, OK, UNKNOWN, WARNING, Link

_MARK = {OK: "ok", BROKEN: "BROKEN", UNKNOWN: "?", WARNING: "warn", INFO: "-"}


def render_text(chains: list[Link]) -> str:
    """An indented tree, one line per link with its verdict, its facts below it."""
    lines: list[str] = []

    def walk(link: Link, depth: int) -> None:
        pad = "  " * depth
        lines.append(f"{pad}[{_MARK[link.verdict]}] {link.title}")
        lines.extend(f"{pad}      {d}" for d in link.details)
        for child in link.children:
            walk(child, depth + 1)

    for chain in chains:
        walk(chain, 0)
        lines.append("")
    lines.append(
        "Verdicts: ok holds; BROKEN exec fails here; ? cannot be verified from the "
        "input; warn a warning; - context."
    )
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    # Inside a quoted Mermaid label: entity codes for the characters that end or break it.
    return (
        text.replace("&", "#amp;")
        .replace('"', "#quot;")
        .replace("<", "#lt;")
        .replace(">", "#gt;")
        .replace("|", "#124;")
    )


def render_mermaid(chains: list[Link]) -> str:
    """A Mermaid flowchart of the same chain (GitHub renders it in a ```mermaid block);
    broken links are red with a thick border, unverifiable ones amber and dashed."""
    lines = ["flowchart TD"]
    classes: dict[str, list[str]] = {}
    edges: list[tuple[str, str, str]] = []
    counter = 0

    def walk(link: Link, parent: str | None) -> None:
        nonlocal counter
        node = f"n{counter}"
        counter += 1
        label = _mermaid_text(link.title)
        if link.details:
            label += (
                "<br/><small>" + "<br/>".join(_mermaid_text(d) for d in link.details) + "</small>"
            )
        lines.append(f'    {node}["{label}"]')
        classes.setdefault(link.verdict, []).append(node)
        if parent is not None:
            edges.append((parent, node, link.verdict))
        for child in link.children:
            walk(child, node)

    for chain in chains:
        walk(chain, None)
    broken_edges: list[int] = []
    for index, (parent, node, verdict) in enumerate(edges):
        arrow = "-.->" if verdict == UNKNOWN else "-->"
        lines.append(f"    {parent} {arrow} {node}")
        if verdict == BROKEN:
            broken_edges.append(index)
    lines.extend(
        [
            "    classDef ok fill:#e6f4ea,stroke:#1e8e3e,color:#0d652d",
            "    classDef broken fill:#fce8e6,stroke:#d93025,stroke-width:3px,color:#a50e0e",
            "    classDef unknown fill:#fef7e0,stroke:#f9ab00,stroke-dasharray:5 3,color:#7a4f01",
            "    classDef warning fill:#fef7e0,stroke:#f9ab00,color:#7a4f01",
            "    classDef info fill:#f1f3f4,stroke:#9aa0a6,color:#3c4043",
        ]
    )
    for verdict in (OK, BROKEN, UNKNOWN, WARNING, INFO):
        if classes.get(verdict):
            lines.append(f"    class {','.join(classes[verdict])} {verdict}")
    if broken_edges:
        lines.append(
            f"    linkStyle {','.join(map(str, broken_edges))} stroke:#d93025,stroke-width:3px"
        )
    return "\n".join(lines) + "\n"
