"""Every registered platform declares every fact humas asks of it, consistently with its connector."""

from __future__ import annotations

import ast
import collections.abc
import dataclasses
import types
import typing
from pathlib import Path

import pytest

from humas.connectors import spec as spec_module
from humas.connectors.base import Publisher, Source
from humas.connectors.registry import MODULES, REGISTRY, get_platform, mention_platforms, webhook_routes
from humas.connectors.spec import (
    Capability,
    CredentialField,
    ImageInput,
    Limits,
    PlatformSpec,
    Reconcile,
    WebhookSpec,
    http_of,
)
from humas.connectors.textcount import (
    count_chars,
    count_graphemes,
    count_hashtags,
    count_mastodon,
    count_utf16,
    count_x,
)

SPECS = list(REGISTRY.values())
SRC = Path(spec_module.__file__).resolve().parents[1]  # src/humas


def _dummy_values(spec: PlatformSpec) -> dict[str, str]:
    """A value for every field, the switch of a switched webhook left off (so the account is polled)."""
    switch = spec.webhook.switch if spec.webhook else None
    skip = {switch.secret_field} if switch else set()
    return {f.name: f"value-{f.name}" for f in spec.form_fields if f.name not in skip}


@pytest.mark.parametrize("cls", [PlatformSpec, Limits, WebhookSpec])
def test_no_spec_field_has_a_default(cls):
    """A new platform cannot leave a fact out: every field must be passed explicitly."""
    defaults = [f.name for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING]
    defaults += [f.name for f in dataclasses.fields(cls) if f.default_factory is not dataclasses.MISSING]
    assert defaults == []


@pytest.mark.parametrize("missing", [f.name for f in dataclasses.fields(PlatformSpec)])
def test_a_spec_that_leaves_a_field_out_is_refused(missing):
    given = {f.name: getattr(REGISTRY["x"], f.name) for f in dataclasses.fields(PlatformSpec)}
    del given[missing]
    with pytest.raises(TypeError, match=missing):
        PlatformSpec(**given)


def _matches(value: object, hint: object) -> bool:
    """A small runtime check of the annotations the spec classes use."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, a) for a in args)
    if hint is type(None):
        return value is None
    if hint is type:
        return isinstance(value, type)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_matches(v, args[0]) for v in value)
        return len(args) == len(value) and all(_matches(v, a) for v, a in zip(value, args, strict=True))
    if origin is frozenset:
        return isinstance(value, frozenset) and all(_matches(v, args[0]) for v in value)
    if origin is collections.abc.Callable:
        return callable(value)
    if isinstance(hint, type):
        return isinstance(value, hint) and not (hint is int and isinstance(value, bool))
    raise AssertionError(f"no check for {hint!r}")


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_every_field_is_declared_with_its_type(spec):
    for cls, obj in ((PlatformSpec, spec), (Limits, spec.limits)) + (
        ((WebhookSpec, spec.webhook),) if spec.webhook else ()
    ):
        hints = typing.get_type_hints(cls, vars(spec_module))
        for f in dataclasses.fields(cls):
            value = getattr(obj, f.name)
            assert _matches(value, hints[f.name]), f"{spec.name}.{cls.__name__}.{f.name}: {value!r}"
    assert spec.label.strip() and spec.name == get_platform(spec.name).name
    assert spec.capabilities, "a platform humas can do nothing with"


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_form_fields_match_the_credentials(spec):
    names = {f.name for f in dataclasses.fields(spec.credentials)}
    required = {
        f.name
        for f in dataclasses.fields(spec.credentials)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    form = {f.name: f for f in spec.credential_fields}
    assert set(form) <= names and required <= set(form)
    assert all(isinstance(f, CredentialField) and f.label for f in spec.form_fields)
    assert any(f.secret for f in spec.form_fields), "credentials without a secret"
    if spec.account_field is not None:
        assert spec.account_field in form and form[spec.account_field].required
    if spec.webhook is not None:
        assert all(f.secret and not f.required for f in spec.webhook.fields)
    assert len({f.name for f in spec.form_fields}) == len(spec.form_fields)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_capabilities_agree_with_the_connector(spec):
    reads = {Capability.READ_POSTS, Capability.READ_COMMENTS, Capability.READ_DMS}
    assert spec.source is not None or spec.webhook is not None, "neither polled nor pushed"
    if spec.capabilities & reads:
        assert spec.source is not None or spec.webhook is not None
    assert bool(spec.image_input) == spec.can(Capability.POST_IMAGE)
    if spec.can(Capability.POST_TEXT) or spec.can(Capability.POST_IMAGE):
        assert spec.limits.media_max >= (1 if spec.can(Capability.POST_IMAGE) else 0)
    if spec.can(Capability.UNHIDE):
        assert spec.can(Capability.HIDE), "showing again what humas cannot hide"
    if spec.reconcile is Reconcile.RECEIPT:
        assert spec.webhook is not None and spec.webhook.receipts is not None
    assert spec.absence_is_proof == (spec.reconcile is Reconcile.LOOKUP)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_connectors_are_built_from_stored_values(spec):
    values = _dummy_values(spec)
    publisher = spec.build_publisher(values, max_wait_s=3.0)
    assert isinstance(publisher, Publisher) and publisher.platform == spec.name
    http = http_of(publisher)
    assert http is not None and http.max_wait_s == 3.0
    assert http.rate_limit_parser is spec.rate_limit, "the spec names the parser the client really uses"
    source = spec.build_source(values)
    if spec.source is None:
        assert source is None and not spec.polls(values)
    else:
        assert isinstance(source, Source) and source.platform == spec.name
    noisy = {**values, "unknown": "dropped", "blank": ""}
    assert spec.credentials_from(noisy) == spec.credentials_from(values)


def test_a_switched_webhook_stops_polling():
    telegram = get_platform("telegram")
    assert telegram.webhook is not None and telegram.webhook.switch is not None
    values = {"bot_token": "123:abc"}
    assert telegram.polls(values) and not telegram.webhook_on(values)
    pushed = {**values, telegram.webhook.switch.secret_field: "s" * 32}
    assert telegram.webhook_on(pushed) and not telegram.polls(pushed)
    assert telegram.build_source(pushed) is None
    meta = get_platform("facebook")
    assert meta.webhook_on({}) and meta.polls({})  # Meta pushes and is polled too


def test_registry_collects_the_module_specs():
    assert list(REGISTRY) == [m.SPEC.name for m in MODULES] and len(REGISTRY) == len(MODULES)
    assert all(m.SPEC.name == m.PLATFORM for m in MODULES)
    assert set(webhook_routes()) == {"meta", "whatsapp", "telegram", "line"}
    assert set(REGISTRY) < set(mention_platforms())
    with pytest.raises(ValueError, match="unknown platform 'myspace'"):
        get_platform("myspace")


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_limits_are_sane(spec):
    limits = spec.limits
    assert limits.text_max > 0 and limits.count_text("Halo, warga!") == 12
    assert limits.caption_max is None or 0 < limits.caption_max <= limits.text_max
    assert limits.media_max >= 0 and limits.text_over("a" * limits.text_max) == 0
    assert limits.text_over("a" * (limits.text_max + 5)) == 5
    for value in (limits.image_max_bytes, limits.video_max_bytes, limits.video_max_seconds):
        assert value is None or value > 0
    if limits.aspect_ratio is not None:
        low, high = limits.aspect_ratio
        assert 0 < low < high


# --- text counters on real examples -----------------------------------------------------------------

ZWJ = "\u200d"
FAMILY = ZWJ.join(["\U0001f468", "\U0001f469", "\U0001f467", "\U0001f466"])  # man, woman, girl, boy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # twitter-text conformance/validate.yml, WeightedTweetsWithDiscountedEmojiCounterTest (config v3)
        ("Hi http://test.co", 26),
        ("https://www.twitter.com/aloha " * 10, 240),
        (f"H\U0001f431\u263a{FAMILY}", 7),
        ("\U0001f637\U0001f47e\U0001f621\U0001f525\U0001f4a9", 10),
        (f"\U0001f64b\U0001f3fd\U0001f468{ZWJ}\U0001f3a4", 4),
        ("A\u0301B", 2),  # NFC: "ÁB"
        ("the" + "故人西辞黄鹤楼，烟花三月下扬州。" * 10, 323),
        # an Indonesian post: a long link is 23 whatever its length; a bare .go.id domain is a link too
        ("Cek info pajak terbaru: https://www.pajak.go.id/id/siaran-pers/nomor-sp-12-2026-tentang-spt", 47),
        ("Layanan di humas.go.id ya", 37),
        ("Selamat Hari Raya 🙏🇮🇩", 22),
    ],
)
def test_x_weighted_count(text, expected):
    assert count_x(text) == expected


def test_x_limit_is_reached_sooner_with_cjk_and_links():
    x = get_platform("x").limits
    assert x.text_over("a" * 280) == 0 and x.text_over("日" * 141) == 2
    assert x.text_over("a" * 257 + " https://example.com/" + "x" * 500) == 1  # 257 + 1 + 23


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (FAMILY, 1),  # seven code points, one grapheme
        ("🇮🇩🇲🇾", 2),  # flags are pairs of regional indicators
        ("e\u0301", 1),  # combining accent
        ("Halo 👋🏽!", 7),  # skin tone modifier joins its emoji
        ("한국어", 3),
    ],
)
def test_bluesky_counts_graphemes(text, expected):
    assert count_graphemes(text) == expected
    assert get_platform("bluesky").limits.count_text(text) == expected


def test_bluesky_limit_in_graphemes_not_code_points():
    bluesky = get_platform("bluesky").limits
    assert len(FAMILY * 300) == 2100 and bluesky.text_over(FAMILY * 300) == 0
    assert bluesky.text_over(FAMILY * 301) == 1


def test_mastodon_counts_links_as_23_and_remote_mentions_by_user():
    text = "Terima kasih @budi@mastodon.social, lihat https://kemenkeu.go.id/" + "a" * 80
    assert count_mastodon(text) == len("Terima kasih @budi, lihat ") + 23
    assert count_mastodon("humas.go.id") == 11  # no scheme: Mastodon counts it as text


def test_telegram_counts_utf16_and_captions_are_shorter():
    telegram = get_platform("telegram").limits
    assert count_utf16("😀a") == 3 and count_utf16("é") == 1
    assert telegram.text_limit() == 4096 and telegram.text_limit(with_media=True) == 1024
    assert telegram.text_over("a" * 1025, with_media=True) == 1 and telegram.text_over("a" * 1025) == 0


def test_instagram_caption_hashtags_and_aspect_ratio():
    instagram = get_platform("instagram").limits
    assert instagram.hashtags_max == 30 and count_hashtags("#halo #123 #a1 x#no #Indonésia") == 3
    assert instagram.aspect_ratio_fits(1080, 1350) and instagram.aspect_ratio_fits(1080, 566)
    assert not instagram.aspect_ratio_fits(1080, 1920) and not instagram.aspect_ratio_fits(1920, 1000)
    assert count_chars("e\u0301") == 1


def test_image_inputs():
    assert get_platform("instagram").image_input == frozenset({ImageInput.URL})
    assert ImageInput.BYTES in get_platform("x").image_input


# --- nothing outside connectors branches on a platform's name --------------------------------------

PLATFORM_NAMES = frozenset(REGISTRY)
# Sample-data generators name platforms as data; they make no decision on them.
ALLOWED = ("connectors/", "demo/", "bench/", "locale/")


def _names_in(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value} & PLATFORM_NAMES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return set().union(*(_names_in(e) for e in node.elts)) if node.elts else set()
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("frozenset", "set", "tuple"):
        return set().union(*(_names_in(a) for a in node.args)) if node.args else set()
    return set()


def _branches(tree: ast.AST) -> list[tuple[int, str]]:
    """Comparisons and membership tests with platform names, dict keys and match cases naming one."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                found += [(node.lineno, name) for name in _names_in(side)]
        elif isinstance(node, ast.Dict):
            found += [(node.lineno, n) for key in node.keys if key is not None for n in _names_in(key)]
        elif isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
            found += [(node.lineno, name) for name in _names_in(node.value)]
        elif isinstance(node, ast.MatchValue):
            found += [(node.lineno, name) for name in _names_in(node.value)]
    return found


def test_nothing_outside_connectors_branches_on_a_platform_name():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith(ALLOWED):
            continue
        for line, name in _branches(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{relative}:{line} {name!r}")
    assert offenders == [], "ask the PlatformSpec instead:\n" + "\n".join(offenders)


def test_the_branch_finder_finds_branches():
    code = 'if p == "telegram": pass\nX = frozenset({"x", "bluesky"})\nD = {"whatsapp": 1}\ny = "x" in s'
    assert sorted(name for _line, name in _branches(ast.parse(code))) == [
        "bluesky",
        "telegram",
        "whatsapp",
        "x",
        "x",
    ]
