"""humas' public-voice training set: generated deterministically, committed as generated, joined to sentiment
training, and disjoint from the behavioural benchmark (no exact or near-duplicate sentence)."""

from collections import Counter
from dataclasses import replace

from humas.nlp import data, publicvoice
from humas.nlp import train as trainer
from humas.nlp.checklist import LABELS, load_checklist
from humas.nlp.normalize import normalize

from .test_checklist import README_CASES
from .test_sarcasm_dev import SARCASM_DEV, _shingles


def test_committed_file_is_what_the_generator_writes():
    first = publicvoice.serialize(publicvoice.generate())
    assert first == publicvoice.serialize(publicvoice.generate())  # same seed, same rows
    assert publicvoice.RESOURCE.read_text(encoding="utf-8") == first
    assert publicvoice.serialize(publicvoice.generate(seed=1)) != first


def test_shape_labels_and_categories():
    rows = publicvoice.generate()
    assert 2000 <= len(rows) <= 4000
    assert len({normalize(r["text"]) for r in rows}) == len(rows)
    assert {r["label"] for r in rows} == set(LABELS)
    per = Counter(r["category"] for r in rows)
    assert min(per.values()) >= 200, per
    assert {r["label"] for r in rows if r["category"] == "sarcasm"} == {"negative"}
    assert {r["label"] for r in rows if r["category"] in ("question", "announcement")} == {"neutral"}


def test_disjoint_from_the_behavioural_set_the_sarcasm_dev_set_and_the_readme_cases():
    """No benchmark sentence (nor a sentence of humas' sarcasm dev set, nor a README case) is in the training
    set, exactly or as a near duplicate: the Jaccard similarity of character 5-gram sets stays under 0.5 (the
    CV groups near duplicates at 0.7)."""
    texts, _ = publicvoice.load()
    benchmark = [c.text for c in load_checklist()] + [text for text, _ in README_CASES]
    benchmark += [c.text for c in load_checklist(SARCASM_DEV)]
    assert not {normalize(t) for t in texts} & {normalize(t) for t in benchmark}
    others = [_shingles(t) for t in benchmark]
    worst = 0.0
    for text in texts:
        mine = _shingles(text)
        worst = max(worst, max(len(mine & o) / len(mine | o) for o in others))
    assert worst < 0.5, worst


def test_joined_to_sentiment_training_only_when_configured():
    voice, labels = data.public_voice()
    assert len(voice) == len(labels) == len(publicvoice.generate())
    cfg = trainer.CONFIGS["sentiment"]
    assert cfg.public_voice
    texts, y, note = trainer.training_data("sentiment", cfg)
    assert texts[-len(voice) :] == voice and list(y[-len(voice) :]) == labels
    assert "public's voice" in note
    without, _, _ = trainer.training_data("sentiment", replace(cfg, public_voice=False))
    assert len(without) == len(texts) - len(voice)


def test_world_sentences_are_in_the_set_with_their_labels():
    """The hand-written sentences of ``public_voice_world.tsv`` (decision 0105) join the set as they are, with
    the label of their kind; its bad and fixed facts only through the frames."""
    rows = {r["text"]: r for r in publicvoice.generate()}
    world = publicvoice.world()
    assert len(world["sarcasm"]) >= 200 and len(world["praise"]) >= 100
    for kind, label in publicvoice.WORLD_KINDS.items():
        for text in world[kind]:
            assert rows[text]["label"] == label, text
    assert not set(world["bad"]) & set(rows) and not set(world["fixed"]) & set(rows)
    composed = [t for t in rows if any(fact in t for fact in world["bad"] + world["fixed"])]
    assert len(composed) >= 100
