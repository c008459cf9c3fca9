from hypothesis import given, settings
from hypothesis import strategies as st

from humas.nlp import normalize

SOCIAL = st.text(
    alphabet=st.sampled_from(
        list("abcdeghiklmnoprstuwy yg gk @#:/._-0123456789+() ABZ😂👍🏽\u200d!?\t\nßİﬁ")
    ),
    max_size=80,
)


def test_examples():
    assert normalize("Bangettt yg gk bgs!!!") == "banget yang tidak bagus ! ! !"
    assert normalize("cek http://kemenkeu.go.id/berita ya @DJPb_RI") == "cek <url> ya <user>"
    assert normalize("telp 0812-3456-7890 atau a.b@mail.co.id").endswith("<phone> atau <email>")
    assert normalize("#PajakKitaUntukKita mantap") == "<hashtag> pajak kita untuk kita mantap"
    assert normalize("keren👍👍") == "keren 👍 👍"
    assert normalize("ＡＢＣ") == "abc"


def test_placeholders_are_stable():
    for p in ("<url>", "<user>", "<email>", "<phone>", "<hashtag>"):
        assert normalize(p) == p


def test_empty_and_odd_inputs():
    assert normalize("") == ""
    assert normalize("   \n\t ") == ""
    assert normalize("\x00\ud800") is not None


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_idempotent_and_total_any_text(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=400, deadline=None)
@given(SOCIAL)
def test_idempotent_social_alphabet(text):
    once = normalize(text)
    assert normalize(once) == once
    assert "  " not in once and once == once.strip()
