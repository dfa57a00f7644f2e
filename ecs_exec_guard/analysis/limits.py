"""Input limits: what the loader reads before any analysis starts, so that a crafted input ends
in bounded time and memory (a usage error, never a slow run).

The defaults come from what CloudFormation can deploy, with headroom:

* **Template size.** CloudFormation takes a template body of at most 51,200 bytes in a request
  and 1 MB from Amazon S3 ("Understand CloudFormation quotas", AWS CloudFormation User Guide,
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
  The CDK uploads templates over 50 KB to S3, so no deployable template is over 1 MB; the
  default allows twice that (comments, a YAML template before ``aws cloudformation package``).
* **Templates per run.** The same page allows 2,000 stacks per account and Region; a cloud
  assembly is usually one app of tens of stacks. The default, 500, covers a large app deployed
  to several environments (every nested template counts).
* **Bytes per run.** Honest templates take about 0.15 s of CPU per MiB (bench/RESULTS.md,
  "Hostile input"); 32 MiB (16 templates at the size limit, or a few hundred ordinary ones)
  keeps the largest accepted input to a few seconds.

The CLI exposes each limit as an option (``--max-template-bytes``, ``--max-templates``,
``--max-total-bytes``) for the users who need more.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
DEFAULT_MAX_TEMPLATE_BYTES = 2 * MIB
DEFAULT_MAX_TEMPLATES = 500
DEFAULT_MAX_TOTAL_BYTES = 32 * MIB


class LimitError(Exception):
    """An input over one of the limits (the loader reports it as a LoadError)."""


@dataclass(frozen=True)
class Limits:
    """The loader's limits for one run (templates from all paths, nested ones included)."""

    max_template_bytes: int = DEFAULT_MAX_TEMPLATE_BYTES
    max_templates: int = DEFAULT_MAX_TEMPLATES
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES


@dataclass
class Tally:
    """What one load has admitted so far."""

    limits: Limits
    templates: int = 0
    total_bytes: int = 0
    assemblies: set[Path] = field(default_factory=set)
    #: What the loader reads once per load (asset manifests of a directory).
    memo: dict[Any, Any] = field(default_factory=dict)

    def expect(self, count: int, where: object) -> None:
        """Refuse early when ``count`` more templates would exceed the count limit."""
        if self.templates + count > self.limits.max_templates:
            raise LimitError(
                f"{where}: {self.templates + count:,} templates, over the limit of "
                f"{self.limits.max_templates:,} (raise it with --max-templates)"
            )

    def admit(self, path: Path, size: int) -> None:
        """Count one template of ``size`` bytes; LimitError when it is over a limit."""
        if size > self.limits.max_template_bytes:
            raise LimitError(
                f"{path}: {size:,} bytes, over the limit of {self.limits.max_template_bytes:,} "
                "bytes per template (CloudFormation deploys at most 1 MB; raise it with "
                "--max-template-bytes)"
            )
        self.expect(1, path)
        self.templates += 1
        self.total_bytes += size
        if self.total_bytes > self.limits.max_total_bytes:
            raise LimitError(
                f"{path}: the templates read so far total {self.total_bytes:,} bytes, over the "
                f"limit of {self.limits.max_total_bytes:,} (raise it with --max-total-bytes)"
            )

    def first_visit(self, directory: Path) -> bool:
        """False when this cloud assembly directory was read already (a cycle)."""
        key = directory.resolve()
        if key in self.assemblies:
            return False
        self.assemblies.add(key)
        return True


_TALLY: ContextVar[Tally | None] = ContextVar("ecs_exec_guard_load_tally", default=None)


def active_tally() -> Tally | None:
    """The tally of the load under way (:func:`start_load`), None outside of one."""
    return _TALLY.get()


def start_load(limits: Limits) -> Token[Tally | None]:
    """Begin a load under ``limits``; pass the returned token to :func:`finish_load`."""
    return _TALLY.set(Tally(limits))


def finish_load(token: Token[Tally | None]) -> None:
    _TALLY.reset(token)
