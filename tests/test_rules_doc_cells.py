"""RULES.md's table cells: a pipe in a rule's text is escaped and a line break becomes a space,
so that a table row stays one row (the real rules have neither, so a made-up rule shows it)."""

from __future__ import annotations

import pytest

from ecs_exec_guard.analysis import rules_doc
from ecs_exec_guard.analysis.findings import Severity
from ecs_exec_guard.analysis.rules import Rule


class PipeRule(Rule):
    id = "EcsExec-TST1"
    severity = Severity.WARNING
    reported_on = "service | rule"
    description = "Checks a\nthing | another."
    explanation = "Why | it matters."
    fix = "Change it."


def test_cells_escape_pipes_and_join_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_doc, "ALL_RULES", [PipeRule])
    text = rules_doc.render_markdown()
    assert text == rules_doc.HEADER + (
        "| [EcsExec-TST1](#ecsexec-tst1) | warning | service \\| rule"
        " | Checks a thing \\| another. |\n"
        "\n## The rules\n\n"
        "### EcsExec-TST1\n\n"
        "**Checks a thing \\| another.** Severity: warning. Reported on: service \\| rule.\n\n"
        "Why | it matters.\n\n"
        "**Fix:** Change it.\n"
    )
