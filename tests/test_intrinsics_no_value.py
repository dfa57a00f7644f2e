"""How ``Ref: AWS::NoValue`` shows in messages: as NoValue (issue 15: mutation testing)."""

from __future__ import annotations

from ecs_exec_guard.analysis.intrinsics import NO_VALUE, describe


def test_no_value_is_shown_by_name() -> None:
    assert repr(NO_VALUE) == "NoValue"
    assert describe(NO_VALUE) == '"NoValue"'
    assert describe([NO_VALUE, "x"]) == '["NoValue", "x"]'
