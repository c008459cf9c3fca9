"""`humas guardrails check` (JSON lines in, JSON lines out) and `humas bench guardrails` (BENCHMARKS.md)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from humas.guardrails import Finding

console = Console()
app = typer.Typer(help="Guardrails: check outgoing texts for personal data, secrets, abuse and more.")


@app.command("check")
def check_command(
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="Unit id or name: check with its stored rules (inherited) and lists."),
    ] = None,
    platform: Annotated[
        str | None, typer.Option(help="Also apply this platform's length and hashtag limits (x, instagram…).")
    ] = None,
) -> None:
    """Read {"text": ...} JSON lines on stdin; write one {"findings": [...]} line per input, in order."""
    from humas.compliance.service.checks import Part, UnitContext, platform_limits
    from humas.guardrails import Context, check

    unit_context = UnitContext(Context())
    if unit is not None:
        from humas.cli.ingest import resolve_unit
        from humas.compliance import service as compliance_service
        from humas.core.db import session_scope

        with session_scope() as session:
            unit_context = compliance_service.unit_context(session, resolve_unit(session, unit))
    if platform is not None and platform_limits(platform) is None:
        print(f"--platform: unknown platform {platform!r}", file=sys.stderr)
        raise typer.Exit(2)
    context = unit_context.for_part(Part("", "", platform))
    _check_lines(lambda text: check(text, context=context))


def _check_lines(run: Callable[[str], list[Finding]]) -> None:
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            text = json.loads(line)["text"]
        except (ValueError, KeyError, TypeError):
            print(f'line {number}: expected a JSON object with a string field "text"', file=sys.stderr)
            raise typer.Exit(2) from None
        findings = [
            {
                "rule": f.rule,
                "severity": f.severity,
                "start": f.start,
                "end": f.end,
                "message": str(f.message),
            }
            for f in run(str(text))
        ]
        sys.stdout.write(json.dumps({"findings": findings}, ensure_ascii=False) + "\n")


def bench_guardrails(
    repeat: Annotated[int, typer.Option(help="Passes over the labelled set for the speed figure.")] = 20,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the figures here.")] = None,
    abuse_model: Annotated[
        bool, typer.Option(help="Also score the abuse rule with humas.nlp's model.")
    ] = False,
    corpus: Annotated[
        list[Path] | None, typer.Option(help="Unlabelled text files (CSV/TSV with a text column) to scan.")
    ] = None,
) -> None:
    """Per-rule precision and recall on the labelled set (blocking rules: precision >= 0.95) and texts/s."""
    from humas.bench import guardrails as bench

    result = bench.run(repeat=repeat, abuse_model=abuse_model)
    if corpus:
        result["corpus"] = {"files": [str(p) for p in corpus], **bench.scan(corpus)}
    text = json.dumps(result, indent=2)
    console.print_json(text)
    if json_out is not None:
        json_out.write_text(text + "\n", encoding="utf-8")
