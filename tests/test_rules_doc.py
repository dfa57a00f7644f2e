"""RULES.md is generated from the rule classes, and the rule classes are complete and stable."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecs_exec_guard.analysis.findings import Severity
from ecs_exec_guard.analysis.rules import ALL_RULES, RULES_BY_ID
from ecs_exec_guard.analysis.rules_doc import render_markdown

ROOT = Path(__file__).resolve().parents[1]
RULES_MD = ROOT / "RULES.md"
REGENERATE = ".venv/bin/python -m ecs_exec_guard rules --markdown > RULES.md"

# The public rule IDs, in their documented order. Changing this list is an API change.
EXPECTED_IDS = [
    "EcsExec-IAM1",
    "EcsExec-IAM2",
    "EcsExec-IAM3",
    "EcsExec-IAM4",
    "EcsExec-CTR1",
    "EcsExec-CTR2",
    "EcsExec-CTR3",
    "EcsExec-CTR4",
    "EcsExec-CTR5",
    "EcsExec-PLT1",
    "EcsExec-PLT2",
    "EcsExec-NET1",
    "EcsExec-NET2",
    "EcsExec-NET3",
    "EcsExec-NET4",
    "EcsExec-NET5",
    "EcsExec-NET6",
    "EcsExec-NET7",
    "EcsExec-NET8",
    "EcsExec-CFG1",
    "EcsExec-ACC1",
    "EcsExec-ACC2",
    "EcsExec-ENB1",
    "EcsExec-INP1",
]

TEXT_FIELDS = ("id", "reported_on", "description", "explanation", "fix")


def test_rules_md_is_current() -> None:
    assert RULES_MD.is_file(), f"RULES.md is missing: run `{REGENERATE}` at the repo root"
    current = RULES_MD.read_text(encoding="utf-8")
    assert current == render_markdown(), (
        f"RULES.md is stale: run `{REGENERATE}` at the repo root and commit the result"
    )


def test_rule_ids_and_order_are_stable() -> None:
    assert [r.id for r in ALL_RULES] == EXPECTED_IDS
    assert list(RULES_BY_ID) == EXPECTED_IDS


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in ALL_RULES]
    assert len(ids) == len(set(ids)) == 24


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_is_documented(rule: type) -> None:
    for name in TEXT_FIELDS:
        value = getattr(rule, name, None)
        assert isinstance(value, str) and value.strip(), f"{rule.__name__}.{name} is empty"
    assert isinstance(rule.severity, Severity)
    assert rule.id == f"EcsExec-{rule.__name__}"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_every_rule_has_a_row(rule: type) -> None:
    anchor = rule.id.lower()
    rows = [
        line
        for line in render_markdown().splitlines()
        if line.startswith(f"| [{rule.id}](#{anchor}) |")
    ]
    assert len(rows) == 1
    assert f"| {rule.severity.value} |" in rows[0]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_every_rule_has_a_section_with_the_anchor_sarif_links_to(rule: type) -> None:
    from ecs_exec_guard.metadata import rule_help_uri

    text = render_markdown()
    # GitHub's anchor for a heading: lower case, spaces to hyphens, punctuation but "-" dropped.
    headings = [line for line in text.splitlines() if line == f"### {rule.id}"]
    assert len(headings) == 1
    assert rule.id.lower() == "".join(
        c for c in rule.id.lower().replace(" ", "-") if c.isalnum() or c in "-_"
    )
    section = text.split(f"### {rule.id}\n", 1)[1].split("\n### ", 1)[0]
    assert rule.explanation in section and f"**Fix:** {rule.fix}" in section
    uri = rule_help_uri(rule.id)
    assert uri is not None and uri.endswith(f"/RULES.md#{rule.id.lower()}")


def test_rules_markdown_from_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from ecs_exec_guard.cli import main

    assert main(["rules", "--markdown"]) == 0
    assert capsys.readouterr().out == render_markdown()
