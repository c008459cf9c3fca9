"""The `humas` command."""

from __future__ import annotations

import importlib
from typing import Any

import typer

from humas.cli import cluster as cluster_cli
from humas.cli import demo as demo_cli
from humas.cli import org as org_cli
from humas.cli import serve as serve_cli

app = typer.Typer(
    help="humas: the command center of a government public-relations unit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(help="Benchmarks (figures go to docs/BENCHMARKS.md).", no_args_is_help=True)

app.command()(org_cli.init)
app.command()(org_cli.migrate)
app.command()(serve_cli.serve)
app.command()(serve_cli.worker)
app.command()(cluster_cli.cluster)
app.command()(demo_cli.demo)
app.add_typer(org_cli.user_app, name="user")
app.add_typer(org_cli.audit_app, name="audit")
app.add_typer(bench_app, name="bench")


def _optional(module: str) -> Any | None:
    """Domain command modules; a missing one (not built yet) is skipped, a broken one still fails."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise


if (nlp := _optional("humas.cli.nlp")) is not None:
    app.add_typer(nlp.app, name="nlp", help="Indonesian text analysis: train, eval, predict.")
    bench_app.command("nlp")(nlp.bench_nlp)
    if (corrections := _optional("humas.cli.corrections")) is not None:
        nlp.app.add_typer(corrections.app, name="corrections", help="Label corrections made by analysts.")

if (ingest := _optional("humas.cli.ingest")) is not None:
    app.command("import")(ingest.import_command)
    app.add_typer(ingest.query_app, name="query")
    app.add_typer(ingest.source_app, name="source")
    bench_app.command("ingest")(ingest.bench_ingest)

if (spikes := _optional("humas.cli.spikes")) is not None:
    app.add_typer(spikes.app, name="spikes", help="Spike detection.")
    bench_app.command("spikes")(spikes.bench_spikes_command)

if (connectors := _optional("humas.cli.connectors")) is not None:
    app.add_typer(connectors.app, name="connectors", help="Platform connectors.")

if (channels := _optional("humas.cli.channels")) is not None:
    app.add_typer(channels.app, name="channels", help="Channels: health, poll now, send the outbox.")

if (secrets_cli := _optional("humas.cli.secrets")) is not None:
    app.add_typer(secrets_cli.app, name="secrets")

if (listening := _optional("humas.cli.listening")) is not None:
    bench_app.command("dashboard")(listening.bench_dashboard)
    bench_app.command("load")(listening.bench_load)

if (inbox_cli := _optional("humas.cli.inbox")) is not None:
    bench_app.command("inbox")(inbox_cli.bench_inbox)

if (publishing_cli := _optional("humas.cli.publishing")) is not None:
    bench_app.command("publishing")(publishing_cli.bench_publishing)

if (guardrails_cli := _optional("humas.cli.guardrails")) is not None:
    app.add_typer(guardrails_cli.app, name="guardrails")
    bench_app.command("guardrails")(guardrails_cli.bench_guardrails)

if (reports_cli := _optional("humas.cli.reports")) is not None:
    app.add_typer(reports_cli.app, name="reports", help="Evaluation reports: finalise, archive, schedules.")

if (bench_reports_cli := _optional("humas.cli.bench_reports")) is not None:
    bench_app.command("reports")(bench_reports_cli.bench_reports)


if __name__ == "__main__":
    app()
