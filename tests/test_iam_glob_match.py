"""IAM pattern matching (``iam.glob_match`` and ``iam.action_matches``): stars match any run,
``?`` one character, the whole text must match, and the pieces between stars are found left to
right inside the room that the last piece leaves (issue 15: mutation testing)."""

from __future__ import annotations

import pytest

from ecs_exec_guard.analysis.iam import action_matches, glob_match

CASES = [
    # (pattern, text, matches)
    ("ssmmessages:OpenDataChannel", "ssmmessages:OpenDataChannel", True),
    ("ssmmessages:OpenDataChannel", "ssmmessages:OpenDataChannelX", False),
    ("ssmmessages:*", "ssmmessages:OpenDataChannel", True),
    ("*", "", True),
    ("a*b*c", "abc", True),
    ("a*b*c", "axbyc", True),
    # a middle piece must come after the first piece, not inside it
    ("ab*b*c", "abxc", False),
    ("ab*b*c", "abbc", True),
    # the leftmost place of a piece leaves the most room for the next ones
    ("x*b*c*y", "xbcby", True),
    # ... and end before the last piece starts
    ("a*bc*c", "abc", False),
    ("a*bc*c", "abcc", True),
    ("a*bc*c", "abcxc", True),
    # a middle piece with "?" is matched character by character, not as a literal "?"
    ("a*b?d*e", "axbcde", True),
    ("a*b?d*e", "axb?de", True),
    ("a*b?d*e", "axbde", False),
    ("ab*b?*c", "abxc", False),
    ("ab*b?*c", "abbxc", True),
    ("a*?c*c", "ac", False),
    ("a*?c*c", "abcc", True),
    ("a*b?*c", "abc", False),
    ("a*b?*c", "abxc", True),
    # no star: same length, "?" any one character
    ("ecs:Execute?ommand", "ecs:ExecuteCommand", True),
    ("ecs:Execute?ommand", "ecs:ExecuteCCommand", False),
    ("a?", "a", False),
    # the first and last pieces with "?"
    ("?b*", "ab", True),
    ("?b*", "b", False),
    ("*?b", "b", False),
    ("*?b", "xb", True),
    # stars in a row
    ("a**c", "ac", True),
    ("a***", "abc", True),
    ("a*b*", "ba", False),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), CASES)
def test_glob_match(pattern: str, text: str, expected: bool) -> None:
    assert glob_match(pattern, text) is expected


def test_action_patterns_ignore_case() -> None:
    assert action_matches("SSMMessages:open*CHANNEL", "ssmmessages:OpenDataChannel") is True
    assert action_matches("ssmmessages:Open?ata*", "SSMMESSAGES:OPENDATACHANNEL") is True
    assert action_matches("ssmmessages:Create*", "ssmmessages:OpenDataChannel") is False
