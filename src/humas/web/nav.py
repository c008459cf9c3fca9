"""The main navigation the product grows into; a section without pages yet shows an honest placeholder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from humas.core.i18n import _
from humas.inbox.service import conversations as inbox_conversations
from humas.inbox.service import intake as inbox_intake
from humas.inbox.service import listing as inbox_listing
from humas.ingest.service import corrections as corrections_service
from humas.ingest.service import feeds as feeds_service
from humas.ingest.service import queries as queries_service
from humas.org import service as org_service
from humas.org.models import Role
from humas.org.service import Principal
from humas.reports.service import schedules as report_schedules
from humas.reports.service import texts as report_texts


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any  # lazy translatable string
    href: str
    icon: str
    # URL prefixes that mark this item as current.
    prefixes: tuple[str, ...]
    # A fragment with the section's counts, loaded after the page (htmx) so no page waits for it.
    badge: str = ""


NAV: tuple[NavItem, ...] = (
    NavItem("home", _("Home"), "/", "house", ("/",)),
    NavItem("listening", _("Listening"), "/listening", "radar", ("/listening", "/mentions")),
    NavItem("inbox", _("Inbox"), "/inbox", "inbox", ("/inbox",), badge="/inbox/badge"),
    NavItem("publishing", _("Publishing"), "/publishing", "send", ("/publishing",)),
    NavItem("reports", _("Reports"), "/laporan", "file-chart-column", ("/laporan", "/reports")),
    NavItem(
        "settings",
        _("Settings"),
        "/settings",
        "settings",
        ("/settings", "/units", "/users", "/audit", "/profile", "/channels"),
    ),
)


def nav_items(current_path: str) -> list[tuple[NavItem, bool]]:
    """Each item with whether it is the current section."""
    out = []
    for item in NAV:
        if item.href == "/":
            active = current_path == "/"
        else:
            active = any(current_path == p or current_path.startswith(p + "/") for p in item.prefixes)
        out.append((item, active))
    return out


# What the pages may offer: each name asks the same service rule that the route behind it enforces, so a
# link, tile or button is shown exactly when following it is allowed.
PERMISSIONS: dict[str, Callable[[Principal], bool]] = {
    "audit": org_service.can_read_audit,
    "org": org_service.can_manage_org,
    "queries": queries_service.can_manage,
    "feeds": feeds_service.can_add_feed,
    "channels": lambda actor: org_service.has_role(actor, Role.admin),
    "correct_labels": corrections_service.can_correct,
    "models": lambda actor: org_service.has_role(actor, Role.admin),  # /settings/models: AdminUser
    "guardrails": lambda actor: org_service.has_role(actor, Role.admin),  # /settings/guardrails: AdminUser
    "inbox": inbox_listing.can_read,
    "inbox_work": inbox_listing.can_work,  # status, assignment, notes, bulk actions, send to inbox
    "inbox_teams": inbox_conversations.can_manage_teams,  # /inbox/teams: create teams, members, duty
    "inbox_send": inbox_intake.can_send_to_inbox,  # the explorer's "send to the inbox" (analysts too)
    # /laporan: admins, leaders and analysts (those who write and finalise a report; decision 0095)
    "reports": lambda actor: org_service.has_role(actor, *report_texts.EDITORS),
    "report_schedules": lambda actor: org_service.has_role(actor, *report_schedules.MANAGERS),
}


def permissions(actor: Principal) -> frozenset[str]:
    """The names in `PERMISSIONS` the actor holds (templates ask `user.may("audit")`)."""
    return frozenset(name for name, rule in PERMISSIONS.items() if rule(actor))
