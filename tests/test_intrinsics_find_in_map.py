"""Fn::FindInMap in detail (issue 15: mutation testing): a fourth argument (the language
extensions' DefaultValue) is not a key, a malformed mapping finds nothing, keys count towards
the nesting limit, and each use of a mapping's value is charged to the value budget."""

from __future__ import annotations

from typing import Any

import pytest

from ecs_exec_guard.analysis.budget import Budget, Budgets
from ecs_exec_guard.analysis.intrinsics import Unknown
from ecs_exec_guard.analysis.model import Model

T = "App.template.json"
MAPPINGS = {"Regions": {"eu-west-1": {"Ami": "ami-123", "Azs": [f"az-{i}" for i in range(10)]}},
            "Bad": "not a mapping", "Deep": {"v": {"x": "found"}}}


def resolve(expression: Any, *, value_units: int | None = None) -> list[Any]:
    """``expression`` resolved twice in one analysis (a budget is spent across uses)."""
    budgets = None
    if value_units is not None:
        budgets = Budgets(value=Budget("resolved values", value_units),
                          statements=Budget("statements", 10_000),
                          network=Budget("network", 10_000))
    body = {"Mappings": MAPPINGS, "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    resolver = Model([(T, body, None)], budgets=budgets).templates[T].resolver
    return [resolver.resolve(expression), resolver.resolve(expression)]


def joins(levels: int) -> Any:
    value: Any = "v"
    for _ in range(levels):
        value = {"Fn::Join": ["", [value]]}
    return value


DEPLOY_TIME_KEY = Unknown("Fn::FindInMap with a key known at deploy time")


@pytest.mark.parametrize(
    ("arguments", "value"),
    [(["Regions", "eu-west-1", "Ami", {"DefaultValue": "ami-0"}], "ami-123"),
     (["Bad", "a", "b"], Unknown("Fn::FindInMap key a not found")),
     (["Regions", "eu-west-1", "Ami", "extra"], "ami-123"),
     # the keys are nested one level below the FindInMap, like its other arguments
     (["Deep", joins(31), "x"], "found"),
     (["Deep", joins(32), "x"], DEPLOY_TIME_KEY)],
    ids=["default value", "malformed mapping", "extra argument", "deep key", "too deep key"],
)
def test_find_in_map(arguments: list[Any], value: Any) -> None:
    assert resolve({"Fn::FindInMap": arguments}) == [value, value]


def test_each_use_of_a_mapping_value_is_charged() -> None:
    """The ten-item list weighs eleven units: the first use fits a budget of eleven, the second
    does not."""
    azs = [f"az-{i}" for i in range(10)]
    spent = Unknown("the input needs more than 11 resolved values to analyse, the budget "
                    "against crafted input")
    expression = {"Fn::FindInMap": ["Regions", "eu-west-1", "Azs"]}
    assert resolve(expression, value_units=11) == [azs, spent]
    assert resolve(expression, value_units=22) == [azs, azs]


def nested_lists(levels: int) -> Any:
    value: Any = "v"
    for _ in range(levels):
        value = [value]
    return value


def innermost(value: Any) -> Any:
    while isinstance(value, list):
        (value,) = value
    return value


@pytest.mark.parametrize(
    ("levels", "value"), [(63, "v"), (64, Unknown("value nested too deeply"))])
def test_a_mapping_value_is_resolved_at_the_depth_of_its_find_in_map(
    levels: int, value: Any
) -> None:
    body = {"Mappings": {"M": {"a": {"b": nested_lists(levels)}}},
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    resolver = Model([(T, body, None)]).templates[T].resolver
    assert innermost(resolver.resolve({"Fn::FindInMap": ["M", "a", "b"]})) == value
