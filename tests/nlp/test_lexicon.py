"""Cue features: negation scope, lexicon counts (words, emoji, bigrams), intensifiers, contrast, questions."""

import numpy as np

from humas.nlp import normalize
from humas.nlp.features import LEX_START, N_FEATURES, N_HASHED, NEG_BITS, hashed_counts, word_hashes
from humas.nlp.lexicon import K_NEG, LEX_FEATURES, cues


def _lex(text: str) -> dict[str, float]:
    x = hashed_counts([normalize(text)])
    pairs = zip(x.indices, x.data, strict=True)
    return {LEX_FEATURES[c - LEX_START]: float(v) for c, v in pairs if c >= LEX_START}


def _negated(text: str) -> set[int]:
    x = hashed_counts([normalize(text)])
    return {int(c) for c in x.indices if N_HASHED <= c < LEX_START}


def _neg_col(word: str) -> int:
    from humas.nlp.features import mix64

    h = mix64(word_hashes([word]) ^ K_NEG)
    return int((h >> np.uint64(64 - NEG_BITS))[0]) + N_HASHED


def test_columns_layout():
    assert N_HASHED < LEX_START < N_FEATURES == LEX_START + len(LEX_FEATURES)


def test_negation_scope_stops_at_punctuation_and_contrast():
    assert _neg_col("cepat") in _negated("pelayanan tidak cepat")
    assert _neg_col("bagus") in _negated("gak terlalu bagus sih")  # slang negator, within 3 tokens
    assert _neg_col("ramah") not in _negated("tidak cepat , tapi ramah")
    assert _neg_col("ramah") not in _negated("tidak lama tapi ramah")
    assert _neg_col("ramah") not in _negated("tidak ada antrean panjang sama sekali ramah")  # beyond 3 tokens
    assert _negated("pelayanan cepat sekali") == set()


def test_lexicon_counts():
    assert _lex("pelayanan kppn cepat sekali") == {"pos": 1.0, "pos_intensified": 1.0}
    assert _lex("pelayanan tidak cepat") == {"pos_negated": 1.0}
    assert _lex("prosesnya tidak ribet") == {"neg_negated": 1.0}
    assert _lex("cepat tapi petugasnya kasar")["neg_after_contrast"] == 1.0
    assert _lex("makasih min 👍")["pos"] == 2.0  # "terima kasih" (a bigram, after slang) and the emoji
    assert _lex("lama banget 😡")["neg"] == 2.0
    assert _lex("kapan gaji cair?") == {"question": 2.0, "no_polarity": 1.0}  # the word and the "?"


def test_complaint_situations_and_praise_over_a_complaint():
    # sarcasm: a praise word over a complaint situation (a complaint word, a negated word of no polarity)
    assert _lex("mantap, antre dari subuh belum dipanggil") == {
        "pos": 1.0,
        "complaint": 2.0,
        "pos_with_complaint": 1.0,
        "praise_then_complaint": 1.0,
        "praise_opening": 1.0,
        "praise_outweighed": 1.0,
    }
    assert _lex("hebat, loketnya tutup jam 10 😒")["pos_with_complaint"] == 1.0  # a negative emoji
    assert _lex("pelayanan tidak cepat") == {"pos_negated": 1.0}  # no praise left: no conjunction
    assert "pos_with_complaint" not in _lex("cepat dan ramah, terima kasih")
    assert _lex("tidak perlu antre")["complaint"] == 1.0  # "perlu" negated; "antre" negated is no complaint
    assert _lex("sudah tidak antre") == {"no_polarity": 1.0, "complaint_resolved": 1.0}  # but a resolved one


def test_sarcasm_cues():
    """Decision 0104: broader complaint situations (durations, outages that go on, going back again), praise
    set off at the opening, praise before or after a complaint with no contrast word, marker particles."""
    assert _lex("antre tiga jam")["complaint"] == 2.0  # "antre" and a duration ("tiga jam")
    assert _lex("websitenya error terus")["complaint"] == 1.0  # "error" negative, "terus" a complaint
    assert _lex("disuruh balik lagi")["complaint"] == 3.0  # "disuruh", "disuruh balik", "balik lagi"
    sarcasm = _lex("hebat ya, websitenya error terus 🙃")
    assert sarcasm["praise_opening"] == sarcasm["praise_then_complaint"] == 1.0
    assert sarcasm["sarcasm_marker"] == 2.0  # "ya" and the emoji, in a text with praise and a complaint
    assert _lex("lagi-lagi server down, mantap 👏")["complaint_then_praise"] == 2.0  # the word and the emoji
    # a contrast word makes it a mixed verdict: no praise before the complaint, no opening praise (a marker
    # still counts: markers count in every text holding praise and a complaint, and nowhere else)
    mixed = _lex("petugasnya ramah tapi antrenya lama ya")
    assert not {"praise_then_complaint", "complaint_then_praise", "praise_opening"} & mixed.keys()
    assert mixed["sarcasm_marker"] == 1.0
    assert "sarcasm_marker" not in _lex("kapan dibuka ya?")
    # several merits and one fault (a review) are not praise outweighed; one merit and two faults are
    assert "praise_outweighed" not in _lex("enak, bersih, murah, cuma antre")
    assert _lex("bagus, antre tiga jam")["praise_outweighed"] == 1.0
    # praise of a complaint that is over: the negated complaint words are counted apart (the negated "perlu"
    # still counts as unmet, as in 0100: clearing the whole scope lost SmSA valid F1, decision 0104)
    assert _lex("terima kasih, sekarang tidak perlu antre lagi")["complaint_resolved"] == 2.0  # "antre lagi"


def test_world_complaint_situations():
    """Decision 0105: bad situations across public services (roads, floods, outages, levies, crowding, trash,
    promises) are complaint words, so praise over them has the shape of sarcasm; a resolved one is not
    unmet."""
    assert _lex("jalannya berlubang dan tergenang")["complaint"] == 2.0
    assert _lex("rumah kami terendam banjir")["complaint"] == 2.0
    assert _lex("diminta uang rokok biar cepat")["complaint"] == 1.0  # a bigram: "rokok" alone is nothing
    assert "complaint" not in _lex("dilarang merokok, beli rokok di luar")
    sarcasm = _lex("hebat, kampung kami kebanjiran lagi")
    assert sarcasm["praise_opening"] == sarcasm["praise_then_complaint"] == 1.0
    assert _lex("sekarang tidak banjir lagi, terima kasih")["complaint_resolved"] == 1.0


def test_no_word_has_two_kinds():
    """The rule of decisions 0104 and 0105: a word's kind is never changed by a later entry (the message-type
    model reads the polarity columns: a positive or negative word must stay what it was)."""
    from humas.nlp.lexicon import LEXICON, _read

    kinds: dict[str, set[str]] = {}
    for word, kind in _read(LEXICON):
        kinds.setdefault(word, set()).add(kind)
    assert {w: k for w, k in kinds.items() if len(k) > 1} == {}


def test_empty_and_batch_boundaries():
    x = hashed_counts(["tidak", "bagus sekali", ""])
    assert x.shape == (3, N_FEATURES)
    # a negator at the end of one text never negates the first word of the next
    assert not any(N_HASHED <= c < LEX_START for c in x[1].indices)
    assert len(cues().words) > 300
