"""Where the hoax model's score means something: its scores on news articles and on social-media text.

The shipped hoax model is trained on news articles (id_hoax_news). This measures, with the model as shipped:
on the news validation split, how many hoax and valid articles score above 0.5 and a reliability table; on
social-media text that holds no hoax (the demo's posts from SmSA and NusaX, EmoT tweets), how many would
show a "hoax" hint above 0.5. The answer decides `listening.service.narratives.HOAX_HINT_KINDS`.

    python -m humas.bench.hoax_calibration [--sample 2000]
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
BINS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 1.01)


def _scores(texts: list[str]) -> list[float]:
    from humas.nlp import analyze

    out: list[float] = []
    for start in range(0, len(texts), 256):
        out += [float(a.hoax_score or 0.0) for a in analyze(texts[start : start + 256])]
    return out


def _share_above(scores: list[float], cut: float = 0.5) -> float:
    return round(100 * sum(s > cut for s in scores) / max(len(scores), 1), 1)


def _social(sample: int) -> dict[str, list[str]]:
    rng = random.Random(7)
    # The demo month's posts are drawn from these two corpora (humas.demo.listening._read_texts).
    with (DATA / "smsa" / "train_preprocess.tsv").open(encoding="utf-8") as f:
        demo = [t for t, _s, _l in (line.rstrip("\n").rpartition("\t") for line in f) if 30 <= len(t) <= 280]
    with (DATA / "nusax_senti_ind" / "train.csv").open(encoding="utf-8") as f:
        demo += [r["text"] for r in csv.DictReader(f) if len(r["text"]) <= 280]
    with (DATA / "emot" / "valid_preprocess.csv").open(encoding="utf-8") as f:
        emot = [r["tweet"] for r in csv.DictReader(f)]
    return {"demo posts (SmSA + NusaX)": rng.sample(demo, min(sample, len(demo))), "EmoT tweets": emot}


def _reliability(scores: list[float], labels: list[bool]) -> list[tuple[str, int, float]]:
    rows = []
    for low, high in zip(BINS, BINS[1:], strict=False):
        inside = [y for s, y in zip(scores, labels, strict=True) if low <= s < high]
        if inside:
            rows.append(
                (f"{low:.1f}–{min(high, 1.0):.1f}", len(inside), round(100 * sum(inside) / len(inside), 1))
            )
    return rows


def run(sample: int = 2000) -> dict[str, Any]:
    with (DATA / "id_hoax_news" / "valid.csv").open(encoding="utf-8") as f:
        news = list(csv.DictReader(f))
    news_scores = _scores([r["text"] for r in news])
    is_hoax = [r["label"] == "Hoax" for r in news]
    result: dict[str, Any] = {
        "news_hoax_above": _share_above([s for s, y in zip(news_scores, is_hoax, strict=True) if y]),
        "news_valid_above": _share_above([s for s, y in zip(news_scores, is_hoax, strict=True) if not y]),
        "news_n": len(news),
        "reliability": _reliability(news_scores, is_hoax),
        "social": {},
    }
    for name, texts in _social(sample).items():
        scores = _scores(texts)
        result["social"][name] = {"n": len(texts), "above": _share_above(scores)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=2000)
    result = run(parser.parse_args().sample)
    print(f"news validation (n={result['news_n']}): hoax articles above 0.5: {result['news_hoax_above']}%, "
          f"valid articles above 0.5: {result['news_valid_above']}%")  # fmt: skip
    print("| score | articles | of them hoax |\n| --- | --- | --- |")
    for label, n, share in result["reliability"]:
        print(f"| {label} | {n} | {share}% |")
    for name, row in result["social"].items():
        print(f"{name} (n={row['n']}, no hoax among them): above 0.5: {row['above']}%")


if __name__ == "__main__":
    main()
