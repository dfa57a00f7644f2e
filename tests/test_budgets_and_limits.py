"""The two guards against crafted input, on their own: the loader's input limits
(``limits.Tally``: template size, template count, total bytes, assemblies read once) and the
analysis's work budgets (``budget``: what they allow for an input, how a value is weighed, and
what a spent budget says).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ecs_exec_guard.analysis.budget import (
    MAX_TEXT,
    Budget,
    Budgets,
    scaled,
    weight,
)
from ecs_exec_guard.analysis.limits import (
    MIB,
    LimitError,
    Limits,
    Tally,
    active_tally,
    finish_load,
    start_load,
)

# -- input limits ---------------------------------------------------------------------------


def test_the_default_limits() -> None:
    assert Limits() == Limits(max_template_bytes=2 * MIB, max_templates=500,
                              max_total_bytes=32 * MIB)
    assert MIB == 1_048_576


def test_a_tally_counts_templates_and_bytes_up_to_each_limit() -> None:
    tally = Tally(Limits(max_template_bytes=1000, max_templates=3, max_total_bytes=2500))
    tally.admit(Path("a.json"), 1000)  # at the size limit
    tally.admit(Path("b.json"), 1000)
    tally.admit(Path("c.json"), 500)  # at the total limit and the count limit
    assert (tally.templates, tally.total_bytes) == (3, 2500)
    with pytest.raises(LimitError) as err:
        tally.admit(Path("d.json"), 0)
    assert str(err.value) == (
        "d.json: 4 templates, over the limit of 3 (raise it with --max-templates)")
    assert (tally.templates, tally.total_bytes) == (3, 2500)


def test_a_template_over_the_size_limit() -> None:
    tally = Tally(Limits(max_template_bytes=1000))
    with pytest.raises(LimitError) as err:
        tally.admit(Path("big.json"), 1001)
    assert str(err.value) == (
        "big.json: 1,001 bytes, over the limit of 1,000 bytes per template (CloudFormation "
        "deploys at most 1 MB; raise it with --max-template-bytes)")
    assert (tally.templates, tally.total_bytes) == (0, 0)


def test_templates_over_the_total_limit() -> None:
    tally = Tally(Limits(max_template_bytes=1000, max_total_bytes=1500))
    tally.admit(Path("a.json"), 1000)
    with pytest.raises(LimitError) as err:
        tally.admit(Path("b.json"), 501)
    assert str(err.value) == (
        "b.json: the templates read so far total 1,501 bytes, over the limit of 1,500 (raise "
        "it with --max-total-bytes)")


def test_expect_refuses_what_would_be_over_the_count() -> None:
    tally = Tally(Limits(max_templates=1500))
    tally.admit(Path("a.json"), 10)
    tally.expect(1499, "manifest.json")  # 1 + 1499: at the limit
    with pytest.raises(LimitError) as err:
        tally.expect(1500, "manifest.json")
    assert str(err.value) == (
        "manifest.json: 1,501 templates, over the limit of 1,500 (raise it with --max-templates)")
    assert tally.templates == 1  # expect counts nothing


def test_an_assembly_directory_is_visited_once(tmp_path: Path) -> None:
    tally = Tally(Limits())
    assert tally.first_visit(tmp_path) is True
    assert tally.first_visit(tmp_path / "." / "sub" / "..") is False  # the same directory
    assert tally.first_visit(tmp_path / "sub") is True
    assert tally.first_visit(tmp_path / "sub") is False
    assert tally.assemblies == {tmp_path.resolve(), (tmp_path / "sub").resolve()}


def test_a_load_has_its_tally_until_it_finishes() -> None:
    assert active_tally() is None
    limits = Limits(max_templates=7)
    token = start_load(limits)
    try:
        tally = active_tally()
        assert tally is not None and tally.limits == limits and tally.templates == 0
        inner = start_load(Limits())
        assert active_tally() is not tally
        finish_load(inner)
        assert active_tally() is tally
    finally:
        finish_load(token)
    assert active_tally() is None


# -- work budgets ---------------------------------------------------------------------------


def test_a_budget_is_spent_past_its_units_and_stays_spent() -> None:
    budget = Budget("things", 1000)
    assert (budget.spent, budget.left, budget.exhausted) == (0, 1000, False)
    assert budget.spend(400) is True
    assert budget.spend(600) is True  # exactly all of it
    assert (budget.spent, budget.left, budget.exhausted) == (1000, 0, False)
    assert budget.spend(1) is False
    assert (budget.spent, budget.left, budget.exhausted) == (1001, 0, True)
    assert budget.spend(0) is False
    assert budget.reason == (
        "the input needs more than 1,000 things to analyse, the budget against crafted input")


def test_budgets_grow_with_the_resources_of_the_input() -> None:
    assert scaled("things", 100, 3) == Budget("things", 148)
    assert scaled("things", 100, 0) == Budget("things", 100)
    assert Budgets.for_input(2) == Budgets(
        value=Budget("resolved values", 1_000_032),
        statements=Budget("policy statement units gathered for principals", 200_032),
        network=Budget("network checks (rules, routes, endpoints)", 1_000_032),
    )
    assert MAX_TEXT == 4 * MIB


def test_the_weight_of_a_value() -> None:
    assert weight("x", 100) == 1
    assert weight("a" * 63, 100) == 1
    assert weight("a" * 130, 100) == 3  # one, and one per 64 characters
    assert weight(5, 100) == 1
    # Each list, dict and item counts; dict keys do not.
    assert weight([1, "x", {"a": [2], "b": None}], 100) == 7
    shared = ["s"] * 3
    assert weight([shared, shared], 100) == 9  # a shared part counts each time it occurs


def test_the_weight_stops_counting_past_the_cap() -> None:
    assert weight([1, 2, 3], 4) == 4  # exactly the cap: counted in full
    assert weight([1, 2, 3, 4], 4) == 5  # a container over it: cap + 1, items not walked
    assert weight(list(range(1000)), 10) == 11
    assert weight(["a" * 640, "b"], 2) == 3  # not the weight of its items
    assert weight("a" * 640, 5) == 11  # one text over it: its weight
    # Past the cap half-way: the count so far, the rest not walked.
    assert weight(["b", "a" * 192], 5) == 6
    assert weight(["b", "c", "a" * 256], 5) == 6
