"""A first draft of each section's evaluation text, written by rules from the report's numbers only.

The analyst edits it before the report is finalised; humas never states a fact that is not one of the
report's figures or rows. A change is written only when it is meaningful (``THRESHOLDS``):

- counts (mentions, conversations, posts, reach, …): at least 10 % up or down *and* at least 5 apart (a count
  going from 0 to 5 or more is written as "none in <previous period>");
- shares (response rate, deadlines met, engagement rate, …): at least 5 percentage points apart;
- working hours (first response, resolution): at least 10 % *and* at least half an hour apart;
- net sentiment (-1..1): at least 0.10 apart.

"mainly in the saved query X" is added to a rise of negative mentions only when one saved query's negative
mentions rose by at least half of the whole rise (saved queries overlap, so no share is claimed beyond that).
Numbers are written with Babel in the current locale (``1.234``, ``87,5%`` in Indonesian).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from babel.numbers import format_decimal, format_percent

from humas.core.i18n import get_locale, gettext, ngettext
from humas.reports.document import Figure, ValueKind
from humas.reports.render.fmt import format_value
from humas.reports.service.figures import N_


@dataclass(frozen=True)
class Threshold:
    relative: float | None  # smallest |relative change| written (None: not used)
    absolute: float  # smallest |difference| written


THRESHOLDS: dict[str, Threshold] = {
    "count": Threshold(relative=0.10, absolute=5),
    "percent": Threshold(relative=None, absolute=0.05),
    "hours": Threshold(relative=0.10, absolute=0.5),
    "number": Threshold(relative=None, absolute=0.10),
    "ratio": Threshold(relative=0.10, absolute=0.0),
}
EPSILON = 1e-9  # 0.85 - 0.8 is 0.0499999… in floating point: a threshold is met at its value
TOPIC_SHARE = 0.5  # a saved query "mainly" behind a rise: at least half of the rise


def fmt(value: float | int | None, kind: ValueKind) -> str:
    """A value as a person reads it in the current locale (``1.234``, ``87,5%``, ``2,5 jam``): the report's
    one formatter (``render.fmt.format_value``), so a sentence shows a number as the page and the PDF do."""
    return format_value(value, kind, locale=get_locale(), zone="UTC")


def meaningful(f: Figure) -> bool:
    """Whether the figure's change against the previous period is worth a sentence (see ``THRESHOLDS``)."""
    t = THRESHOLDS.get(f.kind)
    delta = f.delta
    if t is None or delta is None or delta == 0 or abs(delta) < t.absolute - EPSILON:
        return False
    if t.relative is None:
        return True
    if f.previous == 0:
        return f.kind == "count"
    change = f.change
    return change is not None and abs(change) >= t.relative - EPSILON


def change_sentence(f: Figure, previous_label: str) -> str | None:
    """One sentence on a meaningful change of one figure, or None."""
    if not meaningful(f):
        return None
    assert f.delta is not None
    up = f.delta > 0
    old, new = fmt(f.previous, f.kind), fmt(f.value, f.kind)
    params = {"label": f.label, "previous": previous_label, "old": old, "new": new}
    if f.kind == "count" and f.previous == 0:
        return gettext("%(label)s: %(new)s, against none in %(previous)s.", **params)
    loc = get_locale()
    if f.kind == "percent":
        by = format_decimal(abs(f.delta) * 100, format="#,##0.#", locale=loc)
        form = "points"
    elif f.kind == "number":
        by = format_decimal(abs(f.delta), format="#,##0.##", locale=loc)
        form = "by"
    else:
        by = format_percent(abs(f.change or 0.0), format="#,##0%", locale=loc)
        form = "relative"
    return gettext(SENTENCES[(form, up)], by=by, **params)


SENTENCES = {
    ("relative", True): N_("%(label)s rose %(by)s compared with %(previous)s (from %(old)s to %(new)s)."),
    ("relative", False): N_("%(label)s fell %(by)s compared with %(previous)s (from %(old)s to %(new)s)."),
    ("points", True): N_(
        "%(label)s rose %(by)s percentage points compared with %(previous)s (from %(old)s to %(new)s)."
    ),
    ("points", False): N_(
        "%(label)s fell %(by)s percentage points compared with %(previous)s (from %(old)s to %(new)s)."
    ),
    ("by", True): N_("%(label)s rose by %(by)s compared with %(previous)s (from %(old)s to %(new)s)."),
    ("by", False): N_("%(label)s fell by %(by)s compared with %(previous)s (from %(old)s to %(new)s)."),
}


WEEK_SENTENCES = {
    True: N_(
        "Within the period, net sentiment rose from %(old)s in the first week (%(first_days)s) to %(new)s in "
        "the last week (%(last_days)s)."
    ),
    False: N_(
        "Within the period, net sentiment fell from %(old)s in the first week (%(first_days)s) to %(new)s in "
        "the last week (%(last_days)s)."
    ),
}


def changes(figures: Iterable[Figure], previous_label: str) -> list[str]:
    return [s for f in figures if (s := change_sentence(f, previous_label)) is not None]


def main_topic(
    topic_negative: Sequence[tuple[str, int, int]], total_rise: float
) -> tuple[str, int, int] | None:
    """The saved query whose negative mentions rose most, when that rise is at least half of the whole."""
    if total_rise <= 0:
        return None
    rising = [(name, now, before) for name, now, before in topic_negative if now - before > 0]
    if not rising:
        return None
    name, now, before = max(rising, key=lambda t: (t[1] - t[2], t[0]))
    return (name, now, before) if (now - before) >= TOPIC_SHARE * total_rise else None


def listening_draft(
    figures: dict[str, Figure],
    previous_label: str,
    *,
    topic_negative: Sequence[tuple[str, int, int]] = (),
    spikes: int = 0,
    hoaxes: int = 0,
    weeks: Sequence[tuple[str, float]] = (),
) -> tuple[str, ...]:
    """Mentions, sentiment (and the saved query mainly behind a rise of negative mentions), the net
    sentiment's move from the first week to the last (``weeks``: each week with mentions, its days and net
    sentiment), spikes, hoaxes."""
    out: list[str] = []
    for key in ("listening.mentions", "listening.net_sentiment", "listening.negative"):
        f = figures.get(key)
        sentence = change_sentence(f, previous_label) if f is not None else None
        if sentence is None or f is None:
            continue
        if key == "listening.negative" and (f.delta or 0) > 0:
            topic = main_topic(topic_negative, f.delta or 0)
            if topic is not None:
                sentence = sentence[:-1] + gettext(
                    ", mainly in the saved query %(topic)s (from %(old)s to %(new)s negative mentions).",
                    topic=topic[0],
                    old=fmt(topic[2], "count"),
                    new=fmt(topic[1], "count"),
                )
        out.append(sentence)
    if len(weeks) >= 2 and abs(weeks[-1][1] - weeks[0][1]) >= THRESHOLDS["number"].absolute - EPSILON:
        (first_days, first), (last_days, last) = weeks[0], weeks[-1]
        out.append(
            gettext(
                WEEK_SENTENCES[last > first],
                first_days=first_days,
                last_days=last_days,
                old=fmt(first, "number"),
                new=fmt(last, "number"),
            )
        )
    if spikes:
        out.append(
            ngettext(
                "%(num)s spike was recorded in the period.",
                "%(num)s spikes were recorded in the period.",
                spikes,
            )
        )
    if hoaxes:
        out.append(
            ngettext(
                "%(num)s narrative labelled hoax had mentions in the period.",
                "%(num)s narratives labelled hoax had mentions in the period.",
                hoaxes,
            )
        )
    return tuple(out)


def publishing_draft(
    figures: dict[str, Figure], previous_label: str, *, best: tuple[str, str, float] | None = None
) -> tuple[str, ...]:
    """Changes of the publishing figures, and the best post by engagement rate (title, channel, rate)."""
    out = changes(figures.values(), previous_label)
    if best is not None:
        out.append(
            gettext(
                "The post with the highest engagement rate was “%(title)s” on %(channel)s (%(rate)s).",
                title=best[0],
                channel=best[1],
                rate=fmt(best[2], "percent"),
            )
        )
    return tuple(out)


def children_draft(improved: Sequence[tuple[Figure, str]]) -> tuple[str, ...]:
    """Who improved most per measure: (the child's figure for that measure, the child's name)."""
    out = []
    for f, unit in improved:
        out.append(
            gettext(
                "%(unit)s improved most on %(measure)s (from %(old)s to %(new)s).",
                unit=unit,
                measure=f.label,
                old=fmt(f.previous, f.kind),
                new=fmt(f.value, f.kind),
            )
        )
    return tuple(out)
