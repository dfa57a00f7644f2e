"""A directory search meets files over ``--max-template-bytes``: they are not read, and a note
says so when the file's first 64 KiB look like a template's (a top-level ``Resources`` or
``AWSTemplateFormatVersion`` key), so that a large template is never skipped unseen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecs_exec_guard.analysis.limits import Limits
from ecs_exec_guard.analysis.loader import load_paths

LIMIT = 1000
HEAD = 65536  # what _head_looks_like reads
SMALL = '{"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}}'


def padding(n: int) -> str:
    return "# " + "x" * (n - 3) + "\n"


def over(path: Path) -> str:
    return f"skipped {path}: over {LIMIT:,} bytes (raise the limit with --max-template-bytes)"


def search(root: Path) -> tuple[list[str], list[str]]:
    notes: list[str] = []
    inputs = load_paths([str(root)], notes, Limits(max_template_bytes=LIMIT))
    return [name for name, _, _ in inputs], notes


def test_a_large_file_gets_a_note_only_when_it_looks_like_a_template(tmp_path: Path) -> None:
    (tmp_path / "small.json").write_text(SMALL, encoding="utf-8")
    large_json = tmp_path / "large.json"  # as CDK writes JSON: one key a line
    large_json.write_text('{\n  "Resources": {' + " " * 2000 + "}}", encoding="utf-8")
    large_yaml = tmp_path / "large.yaml"
    large_yaml.write_text(padding(2000) + "AWSTemplateFormatVersion: 2010-09-09\n",
                          encoding="utf-8")
    # A byte that is not UTF-8 in the head does not hide what the rest says.
    binary_head = tmp_path / "mixed.yaml"
    binary_head.write_bytes(b"Resources:\n  A: \"\xff\xfe\"\n" + b" " * 2000)
    (tmp_path / "data.json").write_text('{"items": [' + "1, " * 1000 + "1]}", encoding="utf-8")
    (tmp_path / "data.yaml").write_text(padding(2000), encoding="utf-8")
    names, notes = search(tmp_path)
    assert names == ["small.json"]
    assert notes == [over(large_json), over(large_yaml), over(binary_head)]


def test_only_the_first_64_kib_are_looked_at(tmp_path: Path) -> None:
    (tmp_path / "small.json").write_text(SMALL, encoding="utf-8")
    # "Resources:" whose colon is the first byte after the head: not seen.
    (tmp_path / "edge.yaml").write_text(
        padding(HEAD - len("Resources")) + "Resources: {}\n", encoding="utf-8")
    (tmp_path / "late.yaml").write_text(padding(HEAD + 10) + "Resources: {}\n",
                                        encoding="utf-8")
    # One byte earlier, it is.
    seen = tmp_path / "seen.yaml"
    seen.write_text(padding(HEAD - len("Resources") - 1) + "Resources: {}\n",
                    encoding="utf-8")
    names, notes = search(tmp_path)
    assert names == ["small.json"]
    assert notes == [over(seen)]


def test_a_large_file_that_cannot_be_opened_gets_no_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unreadable file (no permission; simulated, as root reads everything) is skipped."""
    (tmp_path / "small.json").write_text(SMALL, encoding="utf-8")
    locked = tmp_path / "locked.json"
    locked.write_text('{\n  "Resources": {' + " " * 2000 + "}}", encoding="utf-8")
    original = Path.open

    def refusing_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == locked.name:
            raise PermissionError(13, "Permission denied")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)
    assert search(tmp_path) == (["small.json"], [])


def test_a_file_at_the_limit_is_read_not_noted(tmp_path: Path) -> None:
    """At exactly the limit a file is read; one that is not text is then skipped unnoted."""
    (tmp_path / "small.json").write_text(SMALL, encoding="utf-8")
    not_text = b"Resources:\n  A: \"\xff\"\n"
    (tmp_path / "binary.yaml").write_bytes(not_text + b" " * (LIMIT - len(not_text)))
    at_limit = '{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}'
    (tmp_path / "queue.json").write_text(at_limit + " " * (LIMIT - len(at_limit)),
                                         encoding="utf-8")
    assert search(tmp_path) == (["queue.json", "small.json"], [])
