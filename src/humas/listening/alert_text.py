"""Alerts as text (Indonesian or English, plain and HTML) and the cool-down rules that group them.

Pure: no database and no network. The DB layer stores alerts and their deliveries; it asks `group_key` which
incident an alert belongs to and `should_send` whether the cool-down of that incident has passed, so one
incident makes one alert however many times its rule fires.

Everything that comes from outside (names of units and queries, keywords, mention texts: the public's
words) is escaped in HTML and stripped of control characters in the plain text and the e-mail subject.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from humas.core import workcal
from humas.core.i18n import get_locale, gettext, use_locale
from humas.outbox.transport import RenderedAlert as RenderedAlert
from humas.outbox.transport import clean_line as clean_line

MAX_EXAMPLES = 3
MAX_EXAMPLE_CHARS = 280


class AlertKind(StrEnum):
    SPIKE = "spike"
    NEGATIVE_SHARE = "negative_share"
    KEYWORD = "keyword"
    NARRATIVE = "narrative"


@dataclass(frozen=True)
class Alert:
    """One alert, before rendering. `subject` is the unit or saved query it is about."""

    kind: AlertKind
    subject: str
    occurred_at: datetime
    value: float | None = None  # mentions in the hour / negative share (0..1) / narrative size
    expected: float | None = None  # the baseline it is compared with
    keyword: str | None = None
    url: str | None = None  # where to look in humas
    keyphrases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()  # texts of mentions that drive it (public, hostile)
    count: int = 1  # how many firings were grouped into this alert


# NOTE: `_` here renders at once (an alert is rendered for one recipient's locale), unlike the lazy
# `humas.core.i18n._`; pybabel extracts both, and the texts live in the gettext catalogs.
def _(message: str, **params: object) -> str:
    text = gettext(message)
    return text % params if params else text


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are shown (no javascript: or data: in an e-mail)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".") if get_locale() == "id" else f"{value:,.0f}"


def _ratio(value: float, expected: float) -> str:
    ratio = value / expected if expected > 0 else float("inf")
    text = f"{ratio:.1f}" if ratio != float("inf") else "∞"
    return text.replace(".", ",") if get_locale() == "id" else text


def _percent(share: float) -> str:
    text = f"{100 * share:.1f}%"
    return text.replace(".", ",") if get_locale() == "id" else text


def format_time(when: datetime, tz: ZoneInfo) -> str:
    """ "2026-11-24 09:00 WITA": the time in the zone of the unit the alert's rule belongs to."""
    local = when.astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M ") + workcal.zone_label(tz, when)


def _title(alert: Alert, subject: str) -> str:
    if alert.kind is AlertKind.SPIKE:
        return _("Spike in mentions: %(subject)s", subject=subject)
    if alert.kind is AlertKind.NEGATIVE_SHARE:
        return _("Negative sentiment rising: %(subject)s", subject=subject)
    if alert.kind is AlertKind.KEYWORD:
        keyword = clean_line(alert.keyword or "", 80)
        return _("Watched keyword appeared: %(keyword)s (%(subject)s)", keyword=keyword, subject=subject)
    return _("Narrative growing: %(subject)s", subject=subject)


def _summary(alert: Alert, tz: ZoneInfo) -> str:
    when = format_time(alert.occurred_at, tz)
    value, expected = alert.value, alert.expected
    if alert.kind is AlertKind.SPIKE and value is not None and expected is not None:
        return _(
            "%(value)s mentions in the hour of %(time)s, about %(expected)s expected (%(ratio)s×).",
            value=_number(value),
            time=when,
            expected=_number(expected),
            ratio=_ratio(value, expected),
        )
    if alert.kind is AlertKind.NEGATIVE_SHARE and value is not None and expected is not None:
        return _(
            "Negative share %(value)s at %(time)s; usually %(expected)s.",
            value=_percent(value),
            time=when,
            expected=_percent(expected),
        )
    if alert.kind is AlertKind.NARRATIVE and value is not None:
        return _("%(value)s mentions in this narrative at %(time)s.", value=_number(value), time=when)
    return _("First seen at %(time)s.", time=when)


def _lines(alert: Alert, tz: ZoneInfo) -> tuple[str, str, list[str]]:
    """(summary, keyphrases line or '', example lines), all plain and unescaped."""
    phrases = ", ".join(clean_line(p, 60) for p in alert.keyphrases[:8])
    examples = [clean_line(e, MAX_EXAMPLE_CHARS) for e in alert.examples[:MAX_EXAMPLES] if e.strip()]
    return _summary(alert, tz), phrases, examples


def render_alert(alert: Alert, *, locale: str | None = None, tz: ZoneInfo | None = None) -> RenderedAlert:
    """Subject, plain text and HTML of an alert in the given locale (Indonesian by default), its times in
    `tz` (the rule's unit's zone: the caller passes `org_service.unit_zone`; without one, WIB)."""
    with use_locale(locale or "id"):
        subject = clean_line(_title(alert, clean_line(alert.subject, 120)), 200)
        summary, phrases, examples = _lines(alert, tz or workcal.zone_of(None))
        url = safe_url(alert.url)
        text = _plain(alert, subject, summary, phrases, examples, url)
        body = _html(alert, subject, summary, phrases, examples, url)
        return RenderedAlert(subject=subject, text=text, html=body, locale=get_locale())


def _plain(
    alert: Alert, subject: str, summary: str, phrases: str, examples: list[str], url: str | None
) -> str:
    lines = [subject, "", summary]
    if alert.count > 1:
        lines.append(_("Fired %(count)s times since the last alert.", count=alert.count))
    if phrases:
        lines.append(_("Driving keyphrases: %(phrases)s", phrases=phrases))
    if examples:
        lines += ["", _("Example mentions:")] + [f"- {e}" for e in examples]
    if url:
        lines += ["", _("Open in humas: %(url)s", url=url)]
    return "\n".join(lines) + "\n"


def _html(
    alert: Alert, subject: str, summary: str, phrases: str, examples: list[str], url: str | None
) -> str:
    esc = html.escape
    parts = [f"<h2>{esc(subject)}</h2>", f"<p>{esc(summary)}</p>"]
    if alert.count > 1:
        fired = _("Fired %(count)s times since the last alert.", count=alert.count)
        parts.append(f"<p>{esc(fired)}</p>")
    if phrases:
        driving = _("Driving keyphrases: %(phrases)s", phrases=phrases)
        parts.append(f"<p>{esc(driving)}</p>")
    if examples:
        items = "".join(f"<li>{esc(e)}</li>" for e in examples)
        heading = _("Example mentions:")
        parts.append(f"<p>{esc(heading)}</p><ul>{items}</ul>")
    if url:
        label = _("Open in humas")
        parts.append(f'<p><a href="{esc(url, quote=True)}">{esc(label)}</a></p>')
    footer = esc(_("You receive this alert because of an alert rule in humas."))
    parts.append(f'<p style="color:#666;font-size:small">{footer}</p>')
    lang = esc(get_locale())
    return f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><body>{"".join(parts)}</body></html>\n'


# --- one incident, one alert ------------------------------------------------------------------------


def group_key(*, rule_id: int | str, kind: AlertKind | str, scope: str, detail: str | None = None) -> str:
    """The incident an alert belongs to: same rule, kind, scope (unit/query) and detail (keyword, narrative).

    A spike is not part of the key: the cool-down, not the spike boundary, decides when the same rule
    about the same scope may alert again (a spike that ends and restarts within it is one incident).
    """
    detail_part = clean_line(detail or "", 200).casefold()
    raw = "\x1f".join([str(rule_id), str(kind), scope, detail_part])
    return f"{kind}:{hashlib.sha256(raw.encode()).hexdigest()[:24]}"


def should_send(last_sent_at: datetime | None, now: datetime, cooldown: timedelta) -> bool:
    """Whether an alert of this incident may go out now: never sent, or sent at least `cooldown` ago."""
    return last_sent_at is None or now - last_sent_at >= cooldown


@dataclass(frozen=True)
class Firing:
    """A rule firing, before grouping: its incident key, time and alert."""

    key: str
    at: datetime
    alert: Alert


def group_firings(
    firings: Iterable[Firing], *, last_sent: dict[str, datetime], cooldown: timedelta
) -> tuple[list[Firing], list[Firing]]:
    """Split firings into those to send and those suppressed by the cool-down of their incident.

    Firings are taken in time order; a sent one starts its incident's cool-down; the count of firings
    suppressed before a sent one is carried on it (`alert.count`). `last_sent` is not modified.
    """
    sent_at = dict(last_sent)
    pending: dict[str, int] = {}
    send, suppressed = [], []
    for firing in sorted(firings, key=lambda f: f.at):
        if should_send(sent_at.get(firing.key), firing.at, cooldown):
            count = pending.pop(firing.key, 0) + firing.alert.count
            send.append(Firing(firing.key, firing.at, replace(firing.alert, count=count)))
            sent_at[firing.key] = firing.at
        else:
            suppressed.append(firing)
            pending[firing.key] = pending.get(firing.key, 0) + firing.alert.count
    return send, suppressed


def render_for_locales(alert: Alert, locales: Sequence[str]) -> dict[str, RenderedAlert]:
    """One rendering per recipient locale."""
    return {loc: render_alert(alert, locale=loc) for loc in dict.fromkeys(locales)}
