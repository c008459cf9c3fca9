"""`humas guardrails check` (JSON lines in, JSON lines out) and `humas bench guardrails` (BENCHMARKS.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()
app = typer.Typer(help="Guardrails: check outgoing texts for personal data, secrets, abuse and more.")


@app.command("check")
def check_command() -> None:
    """Read {"text": ...} JSON lines on stdin; write one {"findings": [...]} line per input, in order."""
    from humas.guardrails import check

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
            for f in check(str(text))
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
