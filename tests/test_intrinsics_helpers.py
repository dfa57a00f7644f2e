"""The resolver's helpers for resolved values (issue 15: mutation testing): reference tokens
(parsed, found, shown to people), values as text, why a value is unknown, values in messages,
and forced conditions that contradict their own expression."""

from __future__ import annotations

from typing import Any

import pytest

from ecs_exec_guard.analysis.intrinsics import (
    GetAtt,
    Param,
    Ref,
    Unknown,
    as_text,
    describe,
    has_token,
    humanize,
    is_unknown,
    parse_token,
    tokens_in,
    unknown_reason,
)
from ecs_exec_guard.analysis.model import Model

REF, ATT, PAR = Ref("T", "A"), GetAtt("T", "A", "Arn"), Param("T", "P")


@pytest.mark.parametrize(
    ("text", "token", "tokens", "shown"),
    [("{{ref|T|A}}", REF, [REF], "A"),
     ("{{att|T|A|Arn}}", ATT, [ATT], "A.Arn"),
     ("{{att|T|A}}", GetAtt("T", "A", ""), [GetAtt("T", "A", "")], "A"),
     ("{{par|T|P}}", PAR, [PAR], "P"),
     ("x{{ref|T|A}}", None, [REF], "xA"),
     ("{{ref|T|A}}{{ref|T|B}}", None, [REF, Ref("T", "B")], "AB"),
     ("{{bad|T|A}}", None, [], "{{bad|T|A}}"),
     ("", None, [], "")],
)
def test_tokens(text: str, token: Any, tokens: list[Any], shown: str) -> None:
    assert parse_token(text) == token
    assert has_token(text) is bool(tokens)
    assert tokens_in(text) == tokens
    assert humanize(text) == shown


@pytest.mark.parametrize(
    ("value", "text", "unknown", "reason", "described"),
    [("s", "s", False, "unresolvable value", '"s"'),
     (True, "true", False, "unresolvable value", "true"),
     (False, "false", False, "unresolvable value", "false"),
     (3, "3", False, "unresolvable value", "3"),
     (2.5, "2.5", False, "unresolvable value", "2.5"),
     (REF, "{{ref|T|A}}", False, "unresolvable value", "A"),
     (ATT, "{{att|T|A|Arn}}", False, "unresolvable value", "A.Arn"),
     (PAR, "{{par|T|P}}", True, "parameter P (set at deploy time)", "parameter P"),
     (Unknown("r"), Unknown("r"), True, "r", "an unresolved value (r)"),
     (None, Unknown("a NoneType used as a string"), False, "unresolvable value", "null"),
     ([1], Unknown("a list used as a string"), False, "unresolvable value", "[1]"),
     ({"b": 1, "a": "é"}, Unknown("a dict used as a string"), False, "unresolvable value",
      '{"a": "é", "b": 1}')],
)
def test_values(value: Any, text: Any, unknown: bool, reason: str, described: str) -> None:
    assert as_text(value) == text
    assert is_unknown(value) is unknown
    assert unknown_reason(value) == reason
    assert describe(value) == described


@pytest.mark.parametrize(
    ("value", "in_t", "in_other"),
    [(REF, "A", "A in T"),
     (ATT, "A.Arn", "A.Arn in T"),
     (GetAtt("T", "A", ""), "A", "A in T"),
     (PAR, "parameter P", "parameter P of T"),
     (Unknown("r"), "an unresolved value (r)", "an unresolved value (r)"),
     ("arn:aws:kms:r:a:key/{{ref|T|Key}}", '"arn:aws:kms:r:a:key/Key"',
      '"arn:aws:kms:r:a:key/Key"'),
     (None, "null", "null"),
     ([REF, ATT, PAR, Unknown("r"), 1], '["A", "A.Arn", "P", "an unresolved value (r)", 1]',
      '["A", "A.Arn", "P", "an unresolved value (r)", 1]'),
     ({"k": "{{att|T|A|Arn}}"}, '{"k": "A.Arn"}', '{"k": "A.Arn"}')],
)
def test_described_for_a_message_about_a_template(value: Any, in_t: str, in_other: str) -> None:
    """References read as CloudFormation names them; a reference into another template than
    the one the message is about (``home``) names its template; other values are their JSON
    with the references in them humanized."""
    assert describe(value, "T") == in_t
    assert describe(value, "Other.template.json") == in_other
    assert describe(value) == in_t  # no home: no template named


def test_long_values_are_cut_in_messages() -> None:
    assert describe("x" * 118) == '"' + "x" * 118 + '"'  # 120 characters: kept
    assert describe("x" * 119) == '"' + "x" * 116 + "..."
    # References are humanized first: a long token does not push the text over the cut.
    assert describe("x" * 100 + "{{ref|Long.template.json|Key}}") == '"' + "x" * 100 + 'Key"'


BODY = {
    "Parameters": {"Env": {"Type": "String"}},
    "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                   "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
                   "Always": {"Fn::Equals": ["a", "a"]}},
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
}


@pytest.mark.parametrize(
    ("forced", "contradicted", "values"),
    [({"IsProd": True, "NotProd": True}, ["NotProd"], [True, True, True]),
     ({"IsProd": True, "NotProd": False}, [], [True, False, True]),
     ({"Always": False}, ["Always"], [None, None, False]),
     ({"Always": True}, [], [None, None, True]),
     ({}, [], [None, None, True])],
)
def test_forced_conditions(forced: dict[str, bool], contradicted: list[str],
                           values: list[bool | None]) -> None:
    model = Model([("A.json", BODY, None)],
                  conditions={("A.json", name): value for name, value in forced.items()})
    resolver = model.templates["A.json"].resolver
    names = ["IsProd", "NotProd", "Always", "Missing"]
    assert [name for name in names if resolver.contradicts(name)] == contradicted
    assert [resolver.condition(name) for name in names[:3]] == values
