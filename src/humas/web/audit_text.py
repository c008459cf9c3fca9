"""The audit log read as sentences: "Admin Demo created the saved query *Pajak*", in the page's language.

Each action code maps to one translatable sentence with `%(actor)s` and `%(object)s`; the stored labels are
hostile text (a unit may be named `<script>`), so they are escaped into the translated sentence, never the
other way round. Before/after values are shown as "field: old → new", not as raw JSON.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from humas.core.i18n import _
from humas.web.flash import N_

SENTENCES: dict[str, str] = {
    "alert_delivery.retry": N_("%(actor)s sent the alert delivery %(object)s again"),
    "alert_rule.activate": N_("%(actor)s paused or resumed the alert rule %(object)s"),
    "alert_rule.create": N_("%(actor)s created the alert rule %(object)s"),
    "alert_rule.update": N_("%(actor)s changed the alert rule %(object)s"),
    "alert_rule.reencrypt_secrets": N_("%(actor)s re-encrypted the secrets of the alert rules"),
    "api_token.create": N_("%(actor)s created the API token %(object)s"),
    "api_token.revoke": N_("%(actor)s revoked the API token %(object)s"),
    "auth.login": N_("%(actor)s logged in"),
    "channel.add": N_("%(actor)s added the channel %(object)s"),
    "channel.needs_reauth": N_("The channel %(object)s needs to be connected again"),
    "channel.reencrypt_credentials": N_("%(actor)s re-encrypted the credentials of the channel %(object)s"),
    "channel.rotate_credentials": N_("%(actor)s replaced the credentials of the channel %(object)s"),
    "channel.webhook_on": N_("%(actor)s turned on the webhook of the channel %(object)s"),
    "feed.add": N_("%(actor)s added the news feed %(object)s"),
    "mention.correct_label": N_("%(actor)s corrected a label of the mention %(object)s"),
    "mentions.import": N_("%(actor)s imported mentions from %(object)s"),
    "narrative.clarify": N_("%(actor)s linked a clarification to the narrative %(object)s"),
    "narrative.label": N_("%(actor)s labelled the narrative %(object)s"),
    "query.archive": N_("%(actor)s archived the saved query %(object)s"),
    "query.create": N_("%(actor)s created the saved query %(object)s"),
    "query.update": N_("%(actor)s changed the saved query %(object)s"),
    "unit.archive": N_("%(actor)s archived the unit %(object)s"),
    "unit.create": N_("%(actor)s created the unit %(object)s"),
    "unit.move": N_("%(actor)s moved the unit %(object)s"),
    "unit.rename": N_("%(actor)s renamed the unit %(object)s"),
    "unit.closure.add": N_("%(actor)s added a closure day to the unit %(object)s"),
    "unit.closure.remove": N_("%(actor)s removed a closure day of the unit %(object)s"),
    "unit.hours_exception.add": N_("%(actor)s set special working hours for the unit %(object)s"),
    "unit.hours_exception.remove": N_("%(actor)s removed special working hours of the unit %(object)s"),
    "unit.time_zone": N_("%(actor)s set the time zone of the unit %(object)s"),
    "unit.work_hours": N_("%(actor)s set the working hours of the unit %(object)s"),
    "user.change_password": N_("%(actor)s changed their password"),
    "user.create": N_("%(actor)s invited the user %(object)s"),
    "user.deactivate": N_("%(actor)s deactivated the user %(object)s"),
    "user.locale": N_("%(actor)s changed the language of %(object)s"),
    "user.reset_password": N_("%(actor)s reset the password of %(object)s"),
    "user.roles": N_("%(actor)s changed the roles of %(object)s"),
}
SYSTEM = N_("The system")
UNKNOWN = N_("%(actor)s did %(action)s on %(object)s")


def sentence(entry: Any, actor_name: str | None = None) -> Markup:
    """One entry as a sentence in the current language, its labels escaped and the object emphasised."""
    actor = actor_name or (entry.actor_label if entry.actor_label != "system" else _(SYSTEM))
    label = entry.object_label or (f"#{entry.object_id}" if entry.object_id else "")
    params = {
        "actor": escape(actor),
        "object": Markup("<em>%s</em>") % label,
        "action": Markup("<code>%s</code>") % entry.action,
    }
    msgid = SENTENCES.get(entry.action, UNKNOWN)
    return Markup(_(msgid)) % params  # noqa: S704 - the template is our own catalog; params are escaped


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if value is None or value == "":
        return "—"
    return str(value)


def changes(entry: Any) -> list[tuple[str, str, str]]:
    """(field, before, after) for each field the entry changed, as plain text (escaped when shown)."""
    before, after = entry.before or {}, entry.after or {}
    fields = list(dict.fromkeys([*before, *after]))
    return [(f, _value(before.get(f)), _value(after.get(f))) for f in fields if before.get(f) != after.get(f)]
