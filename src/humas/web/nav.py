"""The main navigation the product grows into; a section without pages yet shows an honest placeholder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from humas.core.i18n import _


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any  # lazy translatable string
    href: str
    icon: str
    # URL prefixes that mark this item as current.
    prefixes: tuple[str, ...]


NAV: tuple[NavItem, ...] = (
    NavItem("home", _("Home"), "/", "house", ("/",)),
    NavItem("listening", _("Listening"), "/listening", "radar", ("/listening", "/mentions")),
    NavItem("inbox", _("Inbox"), "/inbox", "inbox", ("/inbox",)),
    NavItem("publishing", _("Publishing"), "/publishing", "send", ("/publishing",)),
    NavItem("reports", _("Reports"), "/reports", "file-chart-column", ("/reports",)),
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
