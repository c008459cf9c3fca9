"""``humas nlp predict | eval | train`` and ``humas bench nlp``."""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from humas.nlp.data import TASKS

app = typer.Typer(help="Indonesian text analysis: predict, evaluate, train.", no_args_is_help=True)
err = Console(stderr=True)

TaskOpt = Annotated[str | None, typer.Option("--task", "-t", help=f"one of: {', '.join(TASKS)}")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _tasks(task: str | None) -> list[str]:
    if task is None:
        return list(TASKS)
    if task not in TASKS:
        raise _fail(f"--task: unknown task {task!r}; choose one of {', '.join(TASKS)}", 2)
    return [task]


def _read_lines(stream: TextIO, skip_bad: bool) -> tuple[list[str], int]:
    texts: list[str] = []
    skipped = 0
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise ValueError('expected an object with a string "text"')
        except ValueError as exc:
            if skip_bad:
                skipped += 1
                typer.echo(f"warning: line {number}: skipped ({exc})", err=True)
                continue
            raise _fail(f"line {number}: bad input ({exc})", 2) from None
        texts.append(obj["text"])
    return texts, skipped


@app.command()
def predict(
    task: Annotated[str, typer.Option("--task", "-t", help=f"one of: {', '.join(TASKS)}")],
    input: Annotated[
        Path | None, typer.Option("--input", "-i", help="JSON lines file; stdin if left out")
    ] = None,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="skip bad lines instead of failing")] = False,
    batch: Annotated[int, typer.Option(help="texts per batch")] = 1000,
) -> None:
    """Read JSON lines {"text": ...}; write one JSON line {"label", "scores"} (abuse: "labels") per input."""
    from humas.nlp import ModelExcluded, get_model

    _tasks(task)
    try:
        stream = input.open(encoding="utf-8") if input else sys.stdin
    except OSError as exc:
        raise _fail(f"--input: {exc}", 2) from None
    with stream:
        texts, _ = _read_lines(stream, skip_bad)
    try:
        model = get_model(task)
    except (ModelExcluded, OSError) as exc:
        raise _fail(str(exc)) from None
    out = sys.stdout
    for lo in range(0, len(texts), max(1, batch)):
        chunk = texts[lo : lo + batch]
        proba = model.predict_proba(chunk)
        decided = model.decide(proba)
        for row, label in zip(proba, decided, strict=True):
            scores = {name: round(float(p), 6) for name, p in zip(model.labels, row, strict=True)}
            key = "labels" if model.multilabel else "label"
            out.write(json.dumps({key: label, "scores": scores}, ensure_ascii=False) + "\n")
    out.flush()


def _table(results: dict[str, dict], title: str) -> Table:
    table = Table(title=title)
    table.add_column("task")
    table.add_column("macro-F1 %", justify="right")
    table.add_column("per class F1 %")
    for task, r in results.items():
        per = ", ".join(f"{k} {v:.1f}" for k, v in r["per_class"].items())
        table.add_row(task, f"{r['macro_f1']:.2f}", per)
    return table


def _evaluate(tasks: list[str]) -> dict[str, dict]:
    from humas.nlp import ModelExcluded, get_model
    from humas.nlp.evaluate import evaluate

    results = {}
    for task in tasks:
        try:
            results[task] = evaluate(task, get_model(task))
        except ModelExcluded as exc:
            typer.echo(f"note: {exc}", err=True)
    return results


@app.command("eval")
def eval_(
    task: TaskOpt = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="also write the figures here")] = None,
) -> None:
    """Macro-F1 and per-class F1 (percent) on the validation splits."""
    tasks = _tasks(task)
    try:
        results = _evaluate(tasks)
    except OSError as exc:
        raise _fail(str(exc)) from None
    Console().print(_table(results, "validation"))
    if json_path:
        json_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


CorrectionsOpt = Annotated[
    Path | None,
    typer.Option(
        "--with-corrections",
        help="JSON lines or CSV export of label corrections (text, task, label, unit): retrain with them, "
        "switch a task's model only if it is better by cross-validation",
    ),
]


@app.command()
def train(task: TaskOpt = None, with_corrections: CorrectionsOpt = None) -> None:
    """Train the default models from shared/data (fixed seeds), write artifacts and model cards."""
    from humas.nlp import api
    from humas.nlp import train as trainer

    tasks = _tasks(task)
    if with_corrections is not None:
        _train_with_corrections(with_corrections, task)
        return
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    ]
    try:
        with Progress(*columns, console=err) as bar:
            steps = bar.add_task("featurizer", total=len(tasks) + 1)
            if task is None or not (trainer.ARTIFACTS / "featurizer.npz").exists():
                trainer.build_featurizer()
                trainer.build_slang()
            bar.advance(steps)
            for name in tasks:
                trainer.train_task(name, progress=lambda msg: bar.update(steps, description=msg))
                bar.advance(steps)
        api.reset_cache()
        results = _evaluate(tasks)
    except OSError as exc:
        raise _fail(str(exc)) from None
    for name, metrics in results.items():
        trainer.record_metrics(name, metrics)
    Console().print(_table(results, "validation"))


def _train_with_corrections(path: Path, task: str | None) -> None:
    from humas.nlp import api
    from humas.nlp.corrections import CorrectionError, read_corrections, retrain_with_corrections

    try:
        rows = read_corrections(path)
    except CorrectionError as exc:
        raise _fail(f"--with-corrections: {exc}", 2) from None
    tasks = sorted({r.task for r in rows if task is None or r.task == task})
    if not tasks:
        raise _fail(f"--with-corrections: {path.name} holds no correction for {task or 'any task'}", 2)
    for name in tasks:
        try:
            with err.status(f"{name}: retraining with corrections"):
                decision = retrain_with_corrections(name, rows)
        except (CorrectionError, OSError) as exc:
            raise _fail(str(exc)) from None
        typer.echo(json.dumps(decision.as_dict(), ensure_ascii=False))
    api.reset_cache()


@app.command()
def rollback(task: Annotated[str, typer.Argument(help=f"one of: {', '.join(TASKS)}")]) -> None:
    """Switch TASK back to the model its current retrained model replaced (kept in the local store)."""
    from humas.nlp import api, store

    _tasks(task)
    try:
        previous = store.rollback(task)
    except store.StoreError as exc:
        raise _fail(str(exc)) from None
    api.reset_cache()
    typer.echo(json.dumps({"task": task, "model": previous}))


@app.command()
def cv(
    task: Annotated[str, typer.Option("--task", "-t", help="a single-label task")],
    config: Annotated[
        str | None, typer.Option(help='JSON overriding fields of the task\'s config, e.g. {"cues": false}')
    ] = None,
    seeds: Annotated[int, typer.Option(help="repeats of the 5-fold split")] = 2,
    record: Annotated[bool, typer.Option(help="write the figures into the task's model card")] = False,
) -> None:
    """Repeated grouped 5-fold cross-validation of a task's config (macro-F1): over train + valid; for type
    over the train part of humas' own messages, the rule-labelled pool joining every training fold."""
    from dataclasses import replace

    from humas.nlp import train as trainer
    from humas.nlp.cv import cv_task

    _tasks(task)
    if task == "abuse":
        raise _fail("--task: abuse is multi-label; cross-validate it with `humas nlp train` (per label)", 2)
    try:
        cfg = replace(trainer.CONFIGS[task], **json.loads(config or "{}"))
    except (ValueError, TypeError) as exc:
        raise _fail(f"--config: {exc}", 2) from None
    result = cv_task(task, cfg, seeds=range(max(1, seeds)))
    typer.echo(json.dumps({"task": task, "config": cfg.__dict__, **result.as_dict()}))
    if record:
        trainer.record_cv(task, {**result.as_dict(), "seeds": max(1, seeds), "config": cfg.__dict__})


def _artifacts_mb() -> float:
    from humas.nlp.model import ARTIFACTS

    return sum(p.stat().st_size for p in ARTIFACTS.rglob("*") if p.is_file()) / 1e6


def _bench_texts() -> list[str]:
    from humas.nlp import data

    texts: list[str] = []
    for task in data.BENCH_TASKS:  # the same text set as every earlier benchmark run
        texts += data.load(task, "valid").texts
    return texts


def bench_nlp(
    json_path: Annotated[Path | None, typer.Option("--json", help="write the figures here")] = None,
    repeat: Annotated[int, typer.Option(help="passes over the validation texts")] = 3,
    record: Annotated[bool, typer.Option(help="append the figures to docs/BENCHMARKS.md")] = False,
    checklist: Annotated[
        bool, typer.Option("--checklist", help="also run the behavioural sentiment set (key checklist)")
    ] = False,
) -> None:
    """Throughput of analyze() on one core over the validation texts, model load time, peak memory."""
    pinned = hasattr(os, "sched_setaffinity")
    if pinned:
        before = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(before)})
    try:
        load_s, best, best_cpu, n_texts = _measure(repeat)
    finally:
        if pinned:
            os.sched_setaffinity(0, before)
    figures = {
        "texts_per_s": round(best, 1),
        "texts_per_cpu_s": round(best_cpu, 1),
        "load_s": round(load_s, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "artifacts_mb": round(_artifacts_mb(), 2),
        "cores": 1,
        "texts": n_texts,
        "machine_cores": os.cpu_count(),
        "date": datetime.now(UTC).date().isoformat(),  # the day it was measured (UTC)
    }
    typer.echo(json.dumps(figures))
    written: dict[str, object] = dict(figures)
    if checklist:
        from humas.nlp.checklist import run_checklist

        written["checklist"] = result = run_checklist()
        _print_checklist(result)
    if json_path:
        json_path.write_text(json.dumps(written, indent=2) + "\n", encoding="utf-8")
    if record:
        _record(figures)


def _print_checklist(result: dict) -> None:
    table = Table(title=f"checklist: {result['accuracy']:.1f}% of {result['cases']} sentences right")
    for column in ("category", "cases", "accuracy %"):
        table.add_column(column, justify="left" if column == "category" else "right")
    for category, row in result["per_category"].items():
        table.add_row(category, str(row["cases"]), f"{row['accuracy']:.1f}")
    Console(stderr=True).print(table)


def _measure(repeat: int) -> tuple[float, float, float, int]:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        t0 = time.perf_counter()
        from humas import nlp

        nlp.load_all()
        nlp.analyze(["pemanasan"])
        load_s = time.perf_counter() - t0
        texts = _bench_texts()
        best = best_cpu = 0.0
        for _ in range(max(1, repeat)):
            t1, c1 = time.perf_counter(), time.process_time()
            for lo in range(0, len(texts), 1000):
                nlp.analyze(texts[lo : lo + 1000])
            best = max(best, len(texts) / (time.perf_counter() - t1))
            # CPU seconds of this process: what one core delivers when the machine is not shared.
            best_cpu = max(best_cpu, len(texts) / max(time.process_time() - c1, 1e-9))
    return load_s, best, best_cpu, len(texts)


def _record(figures: dict) -> None:
    path = Path(__file__).resolve().parents[3] / "docs" / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    row = (
        f"| {figures['date']} | {figures['cores']} of {figures['machine_cores']} | {figures['texts']} | "
        f"{figures['texts_per_s']:.0f} | {figures['texts_per_cpu_s']:.0f} | {figures['load_s']:.2f} | "
        f"{figures['peak_rss_mb']:.0f} | {figures['artifacts_mb']:.1f} |"
    )
    if "## NLP" not in text:
        text = (
            text.rstrip("\n")
            + "\n\n## NLP\n\n`humas bench nlp` (analyze() with every model, pinned to one core).\n\n"
        )
        text += "| date | cores | texts | texts/s wall | texts/s CPU | load s | peak RSS | artifacts MB |\n"
        text += "| --- | --- | --- | --- | --- | --- | --- | --- |\n"
    head, _, tail = text.partition("## NLP")
    lines = tail.split("\n")
    i = next(n for n, line in enumerate(lines) if line.startswith("| date | cores | texts | texts/s wall"))
    i += 2
    while i < len(lines) and lines[i].startswith("|"):
        i += 1
    lines.insert(i, row)
    path.write_text(head + "## NLP" + "\n".join(lines), encoding="utf-8")
