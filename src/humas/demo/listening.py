"""A month of Indonesian mentions for the demo institution, through the real ingest pipeline.

Texts: sentences authored for humas about the demo units (public domain, ours) mixed with reviews and
comments from SmSA (CC BY-SA 4.0) and NusaX-senti (CC BY-SA 4.0) as background chatter; the hoax
narrative is written for the demo. Non-commercial datasets (emot, id_multilabel_hatespeech,
id_norm_lexicons) are never used. See docs/decisions/0051-demo-data-licenses.md.

The month has a daily rhythm (quiet nights, busy office hours) and a weekly one (quiet weekends), one
spike (a late payment complaint wave at one KPPN), and one hoax narrative answered by a clarification.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from humas.connectors.base import SourceItem
from humas.core.db import session_scope
from humas.core.time import utcnow
from humas.demo.months import history_start
from humas.ingest.models import Mention
from humas.ingest.service import queries as queries_service
from humas.ingest.service.pipeline import ingest_items
from humas.org import service as org_service
from humas.org.models import Unit, User

DATA = Path(__file__).resolve().parents[4] / ".." / "shared" / "data"
DAYS = 30
HISTORY_TAG = "lh"  # external ids of the history's mentions: demo-lh<tag>-<n>
PLATFORMS = (
    ("x", 30),
    ("instagram", 20),
    ("facebook", 15),
    ("news", 10),
    ("youtube", 8),
    ("tiktok", 10),
    ("telegram", 7),
)
HOAX = (
    "Beredar pesan berantai: mulai bulan depan gaji PNS dipotong 10 persen untuk dana darurat, "
    "kata KPPN. Sebarkan sebelum dihapus! #hoaks #gajipns"
)
HOAX_VARIANTS = (
    "{h}",
    "PENTING!! {h}",
    "{h} Info dari grup sebelah.",
    "Benarkah? {h}",
    "{h} Tolong dicek kebenarannya.",
)
CLARIFICATION_URL = "https://www.kemenkeu.go.id/informasi-publik/publikasi/siaran-pers/klarifikasi-gaji-pns"
TEMPLATES = {
    "positive": [
        "Pelayanan di {u} cepat dan ramah, terima kasih!",
        "Pencairan dana di {u} lancar hari ini, mantap #pelayananpublik",
        "Salut untuk petugas {u} yang sabar menjelaskan prosedur SP2D.",
        "Aplikasi SAKTI makin mudah dipakai, bimtek dari {u} sangat membantu.",
    ],
    "negative": [
        "Antrean di {u} panjang sekali, pelayanan lambat.",
        "Sudah tiga hari pencairan belum masuk, {u} tolong dicek #pencairanterlambat",
        "Telepon {u} tidak pernah diangkat, kecewa.",
        "Website {u} sering error saat jam kerja.",
    ],
    "neutral": [
        "Jam layanan {u} selama libur nasional diumumkan di situs resmi.",
        "{u} mengadakan sosialisasi penyusunan laporan keuangan minggu depan.",
        "Ada yang tahu syarat pengajuan revisi DIPA di {u}?",
        "Lelang aset negara oleh {u} dibuka pekan ini #lelang",
    ],
}
SPIKE_TEXTS = [
    "Dana desa belum cair juga, {u} kenapa terlambat? #pencairanterlambat",
    "Gaji honorer telat lagi bulan ini, {u} mohon penjelasan #pencairanterlambat",
    "Kenapa pencairan di {u} tertunda? Banyak yang menunggu.",
]


def _read_texts() -> list[tuple[str, str]]:
    """(text, label) from SmSA and NusaX-senti (CC BY-SA 4.0); empty when the data folder is absent."""
    out: list[tuple[str, str]] = []
    smsa = DATA / "smsa" / "train_preprocess.tsv"
    if smsa.exists():
        with smsa.open(encoding="utf-8") as f:
            for line in f:
                text, _sep, label = line.rstrip("\n").rpartition("\t")
                if 30 <= len(text) <= 280:
                    out.append((text, label))
    nusax = DATA / "nusax_senti_ind" / "train.csv"
    if nusax.exists():
        with nusax.open(encoding="utf-8") as f:
            out += [(r["text"], r["label"]) for r in csv.DictReader(f) if len(r["text"]) <= 280]
    return out


def _rate(t: datetime) -> float:
    """Expected mentions per hour for a unit, by WIB hour of day and weekday."""
    local = t + timedelta(hours=7)
    hour_shape = 0.15 if local.hour < 6 else 1.0 if 8 <= local.hour <= 17 else 0.5
    return hour_shape * (0.45 if local.weekday() >= 5 else 1.0)


def _platform(rng: random.Random) -> str:
    return rng.choices([p for p, _w in PLATFORMS], weights=[w for _p, w in PLATFORMS])[0]


def _item(
    rng: random.Random, n: int | str, text: str, at: datetime, platform: str | None = None
) -> SourceItem:
    who = rng.randrange(400)
    platform = platform or _platform(rng)
    return SourceItem(
        platform=platform,
        external_id=f"demo-{n}",
        kind="article" if platform == "news" else "post",
        text=text,
        created_at=at,
        author_id=f"a{who}",
        author_handle=f"warga{who}",
        author_name=f"Warga {who}",
        author_followers=int(rng.paretovariate(1.2) * 150),
        url=f"https://example.org/demo/{n}",
    )


def _stream(
    rng: random.Random,
    units: list[Unit],
    start: datetime,
    background: list[tuple[str, str]],
    *,
    hours: int = DAYS * 24,
    scale: Callable[[datetime], float] = lambda _t: 1.0,
    prefix: str = "",
) -> Iterator[tuple[Unit, SourceItem]]:
    """Mentions hour by hour from ``start`` (``scale``: a share of the usual volume at a time); the month
    after the history (no ``prefix``) also has its spike and its hoax."""
    n = 0
    tag = f"{prefix}{rng.getrandbits(32)}"  # a second seeding (tests) never collides with the first
    spike_unit = next((u for u in units if u.name == "KPPN Bandung I"), units[-1])
    spike_at = start + timedelta(days=22, hours=3)  # 10:00 WIB
    hoax_unit = next((u for u in units if u.depth == 0), units[0])
    hoax_at = start + timedelta(days=24, hours=1)
    if prefix:
        spike_at = hoax_at = start + timedelta(days=10 * DAYS)  # never: the history has no spike or hoax
    for hour in range(hours):
        t = start + timedelta(hours=hour)
        for unit in units:
            weight = 2.5 if unit.depth == 0 else 1.0 if unit.depth == 1 else 0.7
            for _ in range(_poisson(rng, 1.1 * weight * _rate(t) * scale(t))):
                n += 1
                at = t + timedelta(minutes=rng.randrange(60))
                if background and rng.random() < 0.35:
                    text = rng.choice(background)[0]
                else:
                    label = rng.choices(["positive", "neutral", "negative"], weights=[3, 4, 3])[0]
                    text = rng.choice(TEMPLATES[label]).format(u=unit.name)
                yield unit, _item(rng, f"{tag}-{n}", text, at)
        if spike_at <= t < spike_at + timedelta(hours=5):
            for _ in range(_poisson(rng, 14)):
                n += 1
                text = rng.choice(SPIKE_TEXTS).format(u=spike_unit.name)
                yield (
                    spike_unit,
                    _item(rng, f"{tag}-{n}", text, t + timedelta(minutes=rng.randrange(60)), "x"),
                )
        if hoax_at <= t < hoax_at + timedelta(hours=40):
            for _ in range(_poisson(rng, 2.5 if t < hoax_at + timedelta(hours=16) else 0.4)):
                n += 1
                text = rng.choice(HOAX_VARIANTS).format(h=HOAX)
                item = _item(
                    rng,
                    f"{tag}-{n}",
                    text,
                    t + timedelta(minutes=rng.randrange(60)),
                    rng.choice(["whatsapp", "facebook", "x", "telegram"]),
                )  # noqa: E501
                yield hoax_unit, item


def _poisson(rng: random.Random, lam: float) -> int:
    count, p, limit = 0, 1.0, pow(2.718281828, -lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return count
        count += 1


def seed_demo_mentions(engine: Engine, *, seed: int = 7, analyzer=None, only_if_empty: bool = True) -> int:  # noqa: E501
    """Fill the demo institution with a month of mentions (when it has none); returns how many."""
    from humas.listening.service import facets, spikes

    with session_scope(engine) as session:
        if only_if_empty and session.scalar(select(func.count(Mention.id))):
            return 0
        units = list(session.scalars(select(Unit).where(Unit.archived_at.is_(None)).order_by(Unit.path)))
        if not units:
            return 0
        _queries(session, units)
    rng = random.Random(seed)
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(days=DAYS)
    background = _read_texts()
    added = 0
    batch: dict[int, list[SourceItem]] = {}
    by_id = {u.id: u for u in units}
    pending = 0
    for unit, item in _stream(rng, units, start, background):
        batch.setdefault(unit.id, []).append(item)
        pending += 1
        if pending >= 2000:
            added += _flush(engine, batch, by_id, analyzer)
            batch, pending = {}, 0
    added += _flush(engine, batch, by_id, analyzer)
    with session_scope(engine) as session:
        facets.update_facets(session)
    with session_scope(engine) as session:
        spikes.run_detection(session, now=now)
    with session_scope(engine) as session:
        _narrative_and_clarification(session, now)
    return added


def seed_demo_mention_history(
    engine: Engine, *, seed: int = 8, analyzer=None, now: datetime | None = None
) -> int:
    """Mentions from the start of the month before last up to the demo's month of mentions (once), at a
    volume that grows toward it, so the previous month's report and the one before it have mentions."""
    from humas.listening.service import facets

    now = (now or utcnow()).replace(minute=0, second=0, microsecond=0)
    with session_scope(engine) as session:
        mark = select(Mention.id).where(Mention.external_id.like(f"demo-{HISTORY_TAG}%")).limit(1)
        if session.scalar(mark) is not None:
            return 0
        units = list(session.scalars(select(Unit).where(Unit.archived_at.is_(None)).order_by(Unit.path)))
        if not units:
            return 0
        zone = org_service.unit_zone(session, units[0])
    start, end = history_start(now, zone), now - timedelta(days=DAYS)
    if end <= start:
        return 0
    span = (end - start).total_seconds()

    def scale(t: datetime) -> float:  # a quarter of today's volume at the start, 60% where the month begins
        return 0.25 + 0.35 * (t - start).total_seconds() / span

    rng = random.Random(seed)
    hours = int(span // 3600)
    stream = _stream(rng, units, start, _read_texts(), hours=hours, scale=scale, prefix=HISTORY_TAG)
    added, pending, by_id = 0, 0, {u.id: u for u in units}
    batch: dict[int, list[SourceItem]] = {}
    for unit, item in stream:
        batch.setdefault(unit.id, []).append(item)
        pending += 1
        if pending >= 2000:
            added += _flush(engine, batch, by_id, analyzer)
            batch, pending = {}, 0
    added += _flush(engine, batch, by_id, analyzer)
    with session_scope(engine) as session:
        facets.update_facets(session)
    return added


def _flush(engine: Engine, batch: dict[int, list[SourceItem]], by_id: dict[int, Unit], analyzer) -> int:
    added = 0
    with session_scope(engine) as session:
        for unit_id, items in batch.items():
            unit = session.get(Unit, by_id[unit_id].id)
            assert unit is not None
            added += ingest_items(session, items, unit=unit, analyzer=analyzer or demo_analyzer()).added
    return added


def _queries(session: Session, units: list[Unit]) -> None:
    root = units[0]
    admin = session.scalars(select(User).where(User.unit_id == root.id).order_by(User.id)).first()
    for name, query in (
        ("Pencairan dana", "pencairan OR cair OR sp2d OR gaji"),
        ("Pelayanan", "pelayanan OR antrean OR layanan"),
        ("Hoaks gaji PNS", '"gaji pns" OR hoaks'),
    ):
        queries_service.create_query(session, unit=root, name=name, query=query, actor=admin)


def _narrative_and_clarification(session: Session, now: datetime) -> None:
    from humas.listening.models import Narrative
    from humas.listening.service import narratives

    narratives.build_narratives(session, now=now)
    session.flush()
    hoax = session.scalars(
        select(Narrative)
        .where(Narrative.representative_text.contains("gaji PNS"))
        .order_by(Narrative.size.desc())
    ).first()
    if hoax is not None:
        hoax.clarification_url = CLARIFICATION_URL
        hoax.clarification_note = "Siaran pers: tidak ada pemotongan gaji PNS."
        hoax.clarified_at = hoax.first_seen_at + timedelta(hours=14)


def demo_analyzer():
    """The shipped models when they are installed; otherwise a small rule-based stand-in (demo only)."""
    from humas.ingest.service.pipeline import default_analyzer

    try:
        default_analyzer(["uji"])
        return default_analyzer
    except (FileNotFoundError, LookupError, OSError):
        return _fallback_analyzer


def _fallback_analyzer(texts: list[str]) -> list:
    from humas.nlp.api import Analysis
    from humas.nlp.keyphrases import keyphrases_normalized
    from humas.nlp.minhash import signatures
    from humas.nlp.normalize import normalize

    normalized = [normalize(t) for t in texts]
    sigs = signatures(normalized)
    out = []
    for text, norm, sig in zip(texts, normalized, sigs, strict=True):
        low = text.lower()
        negative = any(
            w in low
            for w in (
                "lambat",
                "kecewa",
                "error",
                "belum",
                "telat",
                "tertunda",
                "kenapa",
                "hoaks",
                "dipotong",
                "tidak enak",
                "buruk",
                "mahal",
            )
        )  # noqa: E501
        positive = any(
            w in low for w in ("terima kasih", "mantap", "salut", "lancar", "enak", "ramah", "mudah", "bagus")
        )  # noqa: E501
        sentiment = "negative" if negative else "positive" if positive else "neutral"
        emotion = "anger" if negative else "joy" if positive else "neutral"
        hoax = 0.8 if "sebarkan" in low or "berantai" in low else 0.1
        out.append(
            Analysis(
                normalized=norm,
                language="id",
                sentiment=sentiment,
                sentiment_score=0.7,
                emotion=emotion,
                emotion_score=0.6,
                abuse=[],
                abuse_scores={},
                hoax_score=hoax,
                topic="",
                topic_score=0.0,
                keyphrases=keyphrases_normalized(norm),
                minhash=tuple(int(v) for v in sig),
            )
        )
    return out
