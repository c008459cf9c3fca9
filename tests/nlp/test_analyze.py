import numpy as np
from datasketch import MinHash

from humas.nlp import (
    NUM_PERM,
    Analysis,
    analyze,
    detect_language,
    keyphrases,
    minhash_lsh,
    minhash_signature,
    normalize,
    to_datasketch,
)
from humas.nlp.minhash import SEED, _permutations, shingle_hash

TEXTS = [
    "Pelayanan KPPN Jakarta sangat lambat, antrian panjang sekali dan petugas tidak ramah",
    "Terima kasih @kemenkeuRI atas informasinya, sangat membantu 👍",
    "BREAKING: vaksin mengandung chip! sebarkan sebelum dihapus!!!",
    "The new tax office opened today in Jakarta and the service was great.",
    "",
]


def test_analyze_contract():
    out = analyze(TEXTS)
    assert len(out) == len(TEXTS) and all(isinstance(a, Analysis) for a in out)
    a = out[0]
    assert a.normalized == normalize(TEXTS[0])
    assert a.language == "id" and out[3].language == "en"
    assert a.sentiment in {"positive", "neutral", "negative"} and 0 < a.sentiment_score <= 1
    assert a.emotion in {"anger", "fear", "happy", "love", "sadness"} and 0 < a.emotion_score <= 1
    assert set(a.abuse) <= set(a.abuse_scores) and len(a.abuse_scores) == 12
    assert 0 <= a.hoax_score <= 1 and a.topic and 0 < a.topic_score <= 1
    assert a.keyphrases and len(a.minhash) == NUM_PERM
    assert out[0].sentiment == "negative" and out[1].sentiment == "positive"
    assert a.message_type in {"pertanyaan", "keluhan", "apresiasi", "saran", "spam", "lainnya"}
    assert 0 < a.message_type_score <= 1
    assert out[0].message_type == "keluhan"
    assert analyze([]) == []


def test_tasks_subset():
    a = analyze(TEXTS[:1], tasks={"sentiment"})[0]
    assert a.sentiment and a.topic == "" and a.emotion is None and a.abuse_scores == {}
    assert a.message_type == "" and a.message_type_score == 0.0


def test_nc_excluded(fresh_nlp):
    fresh_nlp.setenv("HUMAS_NLP_EXCLUDE_NC", "1")
    a = analyze(TEXTS[:1])[0]
    assert a.emotion is None and a.emotion_score is None and a.abuse == [] and a.abuse_scores == {}
    assert normalize("gk bgs yg") == "tidak bagus yang"  # humas' own slang list still works


def test_minhash_matches_datasketch():
    text = TEXTS[0]
    padded = " " + normalize(text) + " "
    ref = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=shingle_hash)
    ref.update_batch([padded[i : i + 5].encode("utf-32-le") for i in range(len(padded) - 4)])
    assert minhash_signature(text) == tuple(int(v) for v in ref.hashvalues)
    a, b = MinHash(num_perm=NUM_PERM, seed=SEED).permutations
    assert np.array_equal(a, _permutations()[0]) and np.array_equal(b, _permutations()[1])
    assert analyze([text])[0].minhash == minhash_signature(text)


def test_lsh_groups_near_duplicates():
    lsh = minhash_lsh(threshold=0.5)
    base = "Pemerintah kota membuka layanan pengaduan banjir di kantor kelurahan mulai besok pagi"
    docs = {"a": base, "b": base + " !!", "c": "Timnas Indonesia menang telak atas lawannya di stadion"}
    for key, sig in zip(docs, (x.minhash for x in analyze(list(docs.values()))), strict=True):
        lsh.insert(key, to_datasketch(sig))
    assert set(lsh.query(to_datasketch(minhash_signature(base)))) == {"a", "b"}


def test_language_and_keyphrases():
    assert detect_language("saya tidak suka pelayanan ini") == "id"
    assert detect_language("this is not what we asked for") == "en"
    assert detect_language("これは日本語の文です") == "other"
    assert "kppn jakarta" in " ".join(keyphrases(TEXTS[0]))
