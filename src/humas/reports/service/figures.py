"""The report's figures by key: label, kind, which way is good, and what rows are behind each.

One table, read by the builder (to make ``Figure``s), the drill-down (to know which rows a key leads to and
refuse any other key) and the draft (to word a change). Keys are the measure names of docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from humas.connectors.registry import find_platform
from humas.core.i18n import gettext
from humas.reports.document import Better, Drill, DrillTarget, Figure, ValueKind


def N_(message: str) -> str:  # noqa: N802 - the gettext marker: extracted here, translated when built
    return message


@dataclass(frozen=True)
class FigureDef:
    key: str
    label: str  # English msgid
    kind: ValueKind
    better: Better
    target: DrillTarget | None = None  # what a click on the figure lists; None: no rows behind it


DEFS: dict[str, FigureDef] = {
    d.key: d
    for d in (
        # listening
        FigureDef("listening.mentions", N_("Mentions"), "count", "none", "mentions"),
        FigureDef("listening.net_sentiment", N_("Net sentiment"), "number", "up", "mentions"),
        FigureDef("listening.negative", N_("Negative mentions"), "count", "down", "mentions"),
        FigureDef("listening.positive", N_("Positive mentions"), "count", "up", "mentions"),
        FigureDef(
            "listening.negative_share", N_("Share of negative mentions"), "percent", "down", "mentions"
        ),
        FigureDef("listening.reach", N_("Potential reach of mentions"), "count", "none"),
        # the last week's net sentiment minus the first week's (docs/metrics.md: weeks of 7 days)
        FigureDef("listening.net_trend", N_("Net sentiment trend (last week − first week)"), "number", "up"),
        FigureDef("listening.spikes", N_("Spikes"), "count", "none", "mentions"),
        FigureDef("listening.hoaxes", N_("Narratives labelled hoax"), "count", "down"),
        # responsiveness (inbox)
        FigureDef("inbox.received", N_("Conversations received"), "count", "none", "conversations"),
        FigureDef("inbox.response_rate", N_("Response rate"), "percent", "up", "conversations"),
        FigureDef(
            "inbox.unanswered", N_("Conversations without a response"), "count", "down", "conversations"
        ),
        FigureDef(
            "inbox.first_response_p50",
            N_("Median first response (working hours)"),
            "hours",
            "down",
            "conversations",
        ),
        FigureDef(
            "inbox.first_response_p90",
            N_("90th percentile first response (working hours)"),
            "hours",
            "down",
            "conversations",
        ),
        FigureDef("inbox.resolution_p50", N_("Median resolution time (working hours)"), "hours", "down"),
        FigureDef("inbox.sla_met_rate", N_("Deadlines met"), "percent", "up", "conversations"),
        FigureDef("inbox.sla_missed", N_("Deadlines missed"), "count", "down", "conversations"),
        FigureDef("inbox.lapor", N_("LAPOR! forwards"), "count", "none", "conversations"),
        # publishing
        FigureDef("publishing.posts", N_("Posts published"), "count", "up", "posts"),
        FigureDef("publishing.reach", N_("Reach"), "count", "up", "posts"),
        FigureDef("publishing.impressions", N_("Impressions"), "count", "up", "posts"),
        FigureDef("publishing.views", N_("Views"), "count", "up", "posts"),
        FigureDef("publishing.engagements", N_("Engagements"), "count", "up", "posts"),
        FigureDef("publishing.engagement_rate", N_("Engagement rate"), "percent", "up", "posts"),
        FigureDef("publishing.virality_rate", N_("Virality rate"), "percent", "up", "posts"),
        FigureDef("publishing.on_time_rate", N_("Planned posts published on time"), "percent", "up", "posts"),
        FigureDef("publishing.followers", N_("Followers"), "count", "up"),
        FigureDef("publishing.follower_growth", N_("Follower growth"), "count", "up"),
        # narasi tunggal
        FigureDef("narasi.kits_received", N_("Content kits received"), "count", "none"),
        FigureDef("narasi.kits_issued", N_("Content kits issued"), "count", "none"),
        FigureDef("narasi.kits_published", N_("Content kits published"), "count", "up"),
        FigureDef("narasi.coverage", N_("Content kit coverage"), "percent", "up"),
        FigureDef("narasi.median_hours", N_("Median time to publish a kit (hours)"), "hours", "down"),
        FigureDef("narasi.kits_late", N_("Late content kits"), "count", "down"),
        FigureDef("guardrails.checks", N_("Outgoing texts checked"), "count", "none"),
        FigureDef("guardrails.findings", N_("Guardrail findings"), "count", "down"),
        FigureDef("guardrails.overrides", N_("Guardrail blocks overridden"), "count", "down"),
        FigureDef("guardrails.blocked_sends", N_("Sends stopped by a guardrail"), "count", "down"),
    )
}

# The few numbers a leader reads, in the order the summary shows them.
SUMMARY = (
    "listening.mentions",
    "listening.net_sentiment",
    "inbox.received",
    "inbox.response_rate",
    "inbox.first_response_p50",
    "inbox.sla_met_rate",
    "publishing.posts",
    "publishing.engagement_rate",
    "publishing.reach",
)

# The measures the children are ranked by (one table each) in a report with descendants.
RANKED = (
    "listening.mentions",
    "listening.net_sentiment",
    "inbox.received",
    "inbox.response_rate",
    "inbox.first_response_p50",
    "inbox.sla_met_rate",
    "publishing.posts",
    "publishing.engagement_rate",
)

Number = float | int | None


def label(key: str) -> str:
    return gettext(DEFS[key].label)


def figure(key: str, value: Number, previous: Number, *, note: str = "") -> Figure:
    """The figure of a registered measure, in the current locale, with its drill-down when rows are behind."""
    d = DEFS[key]
    drill = Drill(d.target, {"figure": key}) if d.target is not None else None
    return Figure(
        key=key,
        label=gettext(d.label),
        value=clean(value),
        kind=d.kind,
        previous=clean(previous),
        better=d.better,
        drill=drill,
        note=note,
    )


def clean(value: Number) -> Number:
    """JSON-exact numbers: ints stay ints, floats are rounded to 6 places (a snapshot equals its figures)."""
    if value is None or isinstance(value, int):
        return value
    return round(float(value), 6)


def platform_label(platform: str) -> str:
    """A platform's name as its connector declares it ("Instagram", "X (Twitter)"); unknown ones as stored."""
    spec = find_platform(platform)
    return spec.label if spec is not None else platform
