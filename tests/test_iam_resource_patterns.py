"""IAM ``Resource`` patterns against a target ARN (``iam.resource_covers``): a pattern or a
target with pseudo-parameter placeholders (``${AWS::Region}``) is compared segment by segment,
and a placeholder facing a value makes the answer unknown (None), never a guess (issue 15:
mutation testing)."""

from __future__ import annotations

from typing import Any

import pytest

from ecs_exec_guard.analysis.iam import any_true, resource_covers

GROUP = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:exec:*"
CONCRETE_GROUP = "arn:aws:logs:eu-west-1:123456789012:log-group:exec:*"


@pytest.mark.parametrize(
    ("pattern", "target", "covers"),
    [(5, "arn:aws:s3:::b", None),  # an unresolved pattern
     (None, "arn:aws:s3:::b", None),
     ("*", "anything", True),
     ("arn:aws:s3:::b/*", "arn:aws:s3:::b/k", True),
     ("arn:aws:s3:::b/*", "arn:aws:s3:::c/k", False),
     (GROUP, GROUP, True),
     (GROUP, CONCRETE_GROUP, None),
     (CONCRETE_GROUP, GROUP, None),
     (GROUP, "arn:aws:logs:eu-west-1:123456789012:log-group:other:*", False),
     (GROUP, "arn:aws:s3:::bucket", False),  # not as many segments
     ("arn:${AWS::Partition}:s3:::bucket/*", "arn:aws:s3:::bucket/key", None),
     ("arn:${AWS::Partition}:s3:::bucket/*", "arn:aws:s3:::other/key", False),
     ("arn:${AWS::Partition}:logs:eu-west-1:1:log-group:x",
      "arn:aws:logs:eu-west-2:1:log-group:x", False),
     # a placeholder that is only part of a segment does not stand for the whole segment
     ("arn:${AWS::Partition}x:s3:::b", "arn:aws:s3:::b", False),
     ("arn:*:logs:${AWS::Region}:*:log-group:exec:*",
      "arn:aws:logs:${AWS::Region}:1:log-group:exec:*", True)],
)
def test_resource_covers(pattern: Any, target: str, covers: bool | None) -> None:
    assert resource_covers(pattern, target) is covers


@pytest.mark.parametrize(
    ("values", "result"),
    [([], False), ([False, False], False), ([False, None], None), ([None, True], True),
     ([True, None], True), ([None, False], None)],
)
def test_any_true_is_a_three_valued_or(values: list[bool | None], result: bool | None) -> None:
    assert any_true(iter(values)) is result
