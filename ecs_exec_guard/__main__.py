"""``python -m ecs_exec_guard``: the same as the ``ecs-exec-guard`` command."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
