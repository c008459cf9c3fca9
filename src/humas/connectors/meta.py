"""Meta Graph API plumbing shared by Facebook Pages, Instagram and WhatsApp.

Errors come as ``{"error": {"code", "error_subcode", "message", "type", "fbtrace_id"}}``: code 190 is an
expired or revoked token; 4, 17, 32, 341, 613 and 80001-80014 are throttling. Usage headers
``X-App-Usage`` and ``X-Business-Use-Case-Usage`` carry percentages and an estimated wait in minutes.
Webhooks: the ``hub.challenge`` handshake and ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with
the app secret), both checked here as pure functions; the payload parsers live with each product.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from humas.connectors.base import SourceItem, as_dict
from humas.connectors.errors import (
    AuthExpired,
    ConnectorError,
    ErrorPayload,
    PlatformError,
    RateLimited,
    UnrecognisedPayload,
    WebhookRejected,
)
from humas.connectors.http import HttpClient, RateLimitInfo, json_or_none
from humas.connectors.spec import N_, CredentialField, Receipts, WebhookSpec, guarded

DEFAULT_VERSION = "v24.0"
GRAPH_HOST = "https://graph.facebook.com"
THROTTLE_CODES = frozenset({4, 17, 32, 341, 613, *range(80001, 80015)})
AUTH_CODES = frozenset({190, 102})
DEFAULT_THROTTLE_WAIT_S = 300.0


def graph_base(version: str = DEFAULT_VERSION, host: str = GRAPH_HOST) -> str:
    return f"{host}/{version}"


def _usage_json(headers: httpx.Headers, name: str) -> Any:
    raw = headers.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _buc_entries(headers: httpx.Headers) -> list[dict[str, Any]]:
    usage = _usage_json(headers, "x-business-use-case-usage")
    if not isinstance(usage, dict):
        return []
    return [entry for entries in usage.values() if isinstance(entries, list) for entry in entries]


def rate_limit_info(headers: httpx.Headers) -> RateLimitInfo | None:
    """The highest percentage from ``X-App-Usage`` / ``X-Business-Use-Case-Usage``."""
    percents: list[float] = []
    app = _usage_json(headers, "x-app-usage")
    if isinstance(app, dict):
        percents += [float(v) for v in app.values() if isinstance(v, int | float)]
    for entry in _buc_entries(headers):
        percents += [float(entry[k]) for k in ("call_count", "total_cputime", "total_time") if k in entry]
    if not percents:
        return None
    return RateLimitInfo(usage_percent=max(percents))


def throttle_wait(headers: httpx.Headers) -> float:
    """Meta gives ``estimated_time_to_regain_access`` in minutes for business use cases."""
    minutes = [float(e.get("estimated_time_to_regain_access") or 0) for e in _buc_entries(headers)]
    longest = max(minutes, default=0.0)
    return longest * 60 if longest > 0 else DEFAULT_THROTTLE_WAIT_S


def error_for(response: httpx.Response) -> ConnectorError | None:
    body = json_or_none(response)
    error = body.get("error") if isinstance(body, dict) else None
    if response.status_code < 400 and not isinstance(error, dict):
        return None
    if not isinstance(error, dict):
        if response.status_code == 401:
            return AuthExpired("Meta: HTTP 401")
        return PlatformError(f"Meta: HTTP {response.status_code}", status=response.status_code, body=body)
    code = error.get("code")
    message = str(error.get("message") or "error")
    if code in AUTH_CODES or response.status_code == 401 and error.get("type") == "OAuthException":
        return AuthExpired(f"Meta: {message}")
    if code in THROTTLE_CODES or response.status_code == 429:
        return RateLimited(throttle_wait(response.headers), f"Meta: {message}")
    status = response.status_code if response.status_code >= 400 else 400
    if error.get("is_transient") and status < 500:
        status = 503  # Meta marks retryable failures; let the client retry reads
    return PlatformError(f"Meta: {message}", status=status, code=code, body=body)


def graph_client(version: str = DEFAULT_VERSION, **kwargs: Any) -> HttpClient:
    return HttpClient(
        base_url=graph_base(version), error_for=error_for, rate_limit_parser=rate_limit_info, **kwargs
    )


def follow_pages(
    http: HttpClient,
    path: str,
    params: Mapping[str, Any],
    *,
    max_pages: int = 10,
    stop: Callable[[dict[str, Any]], bool] | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """Read an edge and its ``paging.next`` links; return the rows and whether pages were left.

    ``stop(row)`` ends the walk early (newest-first edges: stop at the first row already seen).
    """
    rows: list[dict[str, Any]] = []
    body = http.get_json(path, params=dict(params))
    for _ in range(max_pages):
        for row in body.get("data", []):
            if not isinstance(row, dict):
                continue
            if stop is not None and stop(row):
                return rows, False
            rows.append(row)
        next_url = (body.get("paging") or {}).get("next")
        if not next_url:
            return rows, False
        body = http.get_json(next_url)
    return rows, True


# --- webhooks --------------------------------------------------------------------------------------


def verify_handshake(params: Mapping[str, str], verify_token: str) -> str:
    """Answer Meta's subscription check: return ``hub.challenge`` or raise ``WebhookRejected`` (403)."""
    mode = params.get("hub.mode")
    token = params.get("hub.verify_token") or ""
    challenge = params.get("hub.challenge")
    if mode != "subscribe" or challenge is None:
        raise WebhookRejected("not a subscription handshake", status=400)
    if not verify_token or not hmac.compare_digest(token.encode(), verify_token.encode()):
        raise WebhookRejected("verify token mismatch", status=403)
    return challenge


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """Check ``X-Hub-Signature-256: sha256=<hex>`` over the raw body bytes, in constant time."""
    if not header or not app_secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def sign(raw_body: bytes, app_secret: str) -> str:
    """The header value Meta would send for this body (for tests and local replays)."""
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def webhook_changes(body: Any) -> tuple[str, list[tuple[str, str, dict[str, Any]]]]:
    """Flatten a delivery into ``(object, [(entry id, field, value)])``.

    Meta's Instagram examples wrap the delivery in a one-element list; both forms are accepted.
    """
    body = as_dict(body)
    if isinstance(body, list) and len(body) == 1:
        body = body[0]
    if not isinstance(body, dict) or "object" not in body or not isinstance(body.get("entry"), list):
        raise UnrecognisedPayload("Meta: not a webhook delivery (no 'object'/'entry')")
    changes: list[tuple[str, str, dict[str, Any]]] = []
    for entry in body["entry"]:
        entry_id = str(entry.get("id", ""))
        for change in entry.get("changes") or []:
            changes.append((entry_id, str(change.get("field")), change.get("value") or {}))
        if "field" in entry and "value" in entry:  # Instagram Login examples put the change on the entry
            changes.append((entry_id, str(entry["field"]), entry["value"] or {}))
    return str(body["object"]), changes


def parse_body(body: Any) -> list[SourceItem]:
    """Recognise any saved Meta body: a webhook delivery or a Facebook / Instagram Graph answer."""
    from humas.connectors import facebook, instagram, whatsapp

    body = as_dict(body)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        raise ErrorPayload(f"Meta error answer: {body['error'].get('message')}")
    if isinstance(body, list) or (isinstance(body, dict) and "object" in body):
        obj, _ = webhook_changes(body)
        if obj == "whatsapp_business_account":
            return whatsapp.parse_webhook(body)
        if obj == "instagram":
            return instagram.parse_webhook(body)
        if obj == "page":
            return facebook.parse_webhook(body)
        raise UnrecognisedPayload(f"Meta: webhook object {obj!r} is not handled")
    for parser in (instagram.parse_graph, facebook.parse_graph):
        try:
            return parser(body)
        except UnrecognisedPayload:
            continue
    raise UnrecognisedPayload("Meta: body matches no Facebook or Instagram endpoint shape")


# --- the webhook every Meta product shares (its SPEC lives with each product) ---------------------------


def verify_delivery(raw_body: bytes, headers: Mapping[str, str], values: Mapping[str, Any]) -> None:
    """Refuse (401) a delivery whose ``X-Hub-Signature-256`` is not the channel's app secret's."""
    secret = str(values.get("app_secret") or "")
    if not verify_signature(raw_body, headers.get("x-hub-signature-256"), secret):
        raise WebhookRejected("bad X-Hub-Signature-256", status=401)


def answer_handshake(params: Mapping[str, str], values: Mapping[str, Any]) -> str:
    return verify_handshake(params, str(values.get("verify_token") or ""))


def parse_delivery(body: Any) -> list[SourceItem]:
    """A verified delivery's items; a signed body that is not a delivery at all is still refused."""
    webhook_changes(body)
    return parse_body(body)


def webhook(*, route: str, receipts: Receipts | None = None) -> WebhookSpec:
    """Meta's webhook for a product: signed deliveries, the subscription handshake, two secrets."""
    return WebhookSpec(
        kind="meta",
        route=route,
        fields=(
            CredentialField("app_secret", N_("App secret (webhook signatures)"), secret=True, required=False),
            CredentialField("verify_token", N_("Webhook verify token"), secret=True, required=False),
        ),
        verify=verify_delivery,
        parse=guarded("meta", parse_delivery),
        handshake=answer_handshake,
        receipts=receipts,
        switch=None,
    )


WEBHOOK = webhook(route="meta")
