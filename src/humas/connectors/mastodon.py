"""Mastodon REST API: own statuses, mention notifications, replies (status context); post, reply, delete.

Pagination follows the ``Link`` header (``rel="next"`` = older, ``rel="prev"`` = newer); polling keeps the
newest id seen and asks for ``min_id``. Rate limits: ``X-RateLimit-Limit/Remaining/Reset`` (ISO time).
``POST /api/v1/statuses`` honours an ``Idempotency-Key`` header for an hour, so a send whose outcome is
unknown is simply repeated with the same key.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from humas.connectors.base import (
    Cursor,
    FetchResult,
    PublishResult,
    SourceItem,
    as_dict,
    id_or_none,
    metrics_of,
    parse_time,
    same_text,
    send_once,
    to_int,
)
from humas.connectors.errors import (
    AuthExpired,
    ConnectorError,
    ErrorPayload,
    PlatformError,
    RateLimited,
    UnrecognisedPayload,
    Unsupported,
)
from humas.connectors.http import HttpClient, RateLimitInfo, counted_rate_limit, json_or_none
from humas.connectors.media import Media, MediaInput, PostOptions, fetch_bytes, media_of
from humas.connectors.spec import (
    N_,
    Capability,
    ImageInput,
    Limits,
    PlatformSpec,
    Reconcile,
    fetch_probe,
    fields_of,
)
from humas.connectors.textcount import count_mastodon

PLATFORM = "mastodon"
METRICS = {"replies_count": "replies", "reblogs_count": "reposts", "favourites_count": "likes"}
_BREAKS = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class MastodonCredentials:
    instance_url: str  # https://mastodon.example
    account_id: str
    access_token: str = field(repr=False)


def html_to_text(content: str) -> str:
    return html.unescape(_TAGS.sub("", _BREAKS.sub("\n", content or ""))).strip()


def rate_limit_info(headers: httpx.Headers) -> RateLimitInfo | None:
    return counted_rate_limit(headers, "x-ratelimit-", parse_reset=parse_time)


def error_for(response: httpx.Response) -> ConnectorError | None:
    status = response.status_code
    if status < 400:
        return None
    body = json_or_none(response)
    message = str(body.get("error") if isinstance(body, dict) else f"HTTP {status}")
    if status == 401:
        return AuthExpired(f"Mastodon: {message}")
    if status == 429:
        reset = parse_time(response.headers.get("x-ratelimit-reset"))
        wait = (reset - datetime.now(UTC)).total_seconds() if reset else 60.0
        return RateLimited(max(1.0, wait), "Mastodon: rate limited")
    return PlatformError(f"Mastodon: {message}", status=status, body=body)


# --- parsing ---------------------------------------------------------------------------------------


ATTACHMENT_KINDS = {"image": "image", "gifv": "video", "video": "video", "audio": "audio", "unknown": "other"}


def _attachment(status: dict[str, Any]) -> tuple[str | None, str | None]:
    """The first media attachment: its kind and URL (``remote_url`` for media of other servers)."""
    attachments = status.get("media_attachments")
    if not isinstance(attachments, list) or not attachments or not isinstance(attachments[0], dict):
        return None, None
    first = attachments[0]
    kind = ATTACHMENT_KINDS.get(str(first.get("type")), "other")
    ref = id_or_none(first.get("url")) or id_or_none(first.get("remote_url")) or id_or_none(first.get("id"))
    return kind, ref


def status_item(status: dict[str, Any], *, kind: str | None = None, root: str | None = None) -> SourceItem:
    """One status; ``root`` is the thread's first status when the answer (a context) tells it."""
    account = status.get("account") or {}
    parent = status.get("in_reply_to_id")
    media_kind, media_ref = _attachment(status)
    return SourceItem(
        platform=PLATFORM,
        external_id=str(status["id"]),
        kind=kind or ("reply" if parent else "post"),
        text=html_to_text(status.get("content") or status.get("text") or ""),
        created_at=parse_time(status.get("created_at")),
        author_id=str(account["id"]) if account.get("id") else None,
        author_handle=account.get("acct"),
        author_name=account.get("display_name") or account.get("username"),
        author_followers=to_int(account.get("followers_count")),
        url=status.get("url") or status.get("uri"),
        parent_external_id=str(parent) if parent else None,
        metrics=metrics_of(status, METRICS),
        raw=status,
        thread_root_id=root or (None if parent else str(status["id"])),
        in_reply_to_id=id_or_none(parent),
        media_kind=media_kind,
        media_ref=media_ref,
    )


def context_items(context: dict[str, Any]) -> list[SourceItem]:
    """A status context: ``ancestors`` (oldest first, the first is the root) then ``descendants``.

    The status asked about is in neither list; with no ancestors it is the root itself, and it is the one the
    descendants answer that no other descendant is.
    """
    ancestors = [s for s in context.get("ancestors") or [] if _is_status(s)]
    descendants = [s for s in context.get("descendants") or [] if _is_status(s)]
    root: str | None = None
    if ancestors:  # the first ancestor is the root unless the root itself is not visible
        root = None if ancestors[0].get("in_reply_to_id") else str(ancestors[0]["id"])
    elif descendants:
        inside = {str(s["id"]) for s in descendants}
        outside = {str(s.get("in_reply_to_id")) for s in descendants if s.get("in_reply_to_id")} - inside
        root = outside.pop() if len(outside) == 1 else None
    items = [status_item(s, root=root) for s in ancestors]
    return items + [status_item(s, kind="reply", root=root) for s in descendants]


def _is_status(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and "id" in value
        and "account" in value
        and ("content" in value or "text" in value)
    )


def parse_body(body: Any) -> list[SourceItem]:
    """Status lists, one status, notification lists, a status context."""
    body = as_dict(body)
    if isinstance(body, dict):
        if set(body) <= {"error", "error_description"} and "error" in body:
            raise ErrorPayload(f"Mastodon error answer: {body['error']}")
        if "descendants" in body and "ancestors" in body:
            return context_items(body)
        if _is_status(body):
            return [status_item(body)]
        if {"acct", "followers_count"} <= set(body):
            return []  # an Account (``followers``): nothing public to ingest
        raise UnrecognisedPayload("Mastodon: object is not a status or a context")
    if not isinstance(body, list):
        raise UnrecognisedPayload("Mastodon: expected a JSON array or object")
    items: list[SourceItem] = []
    for entry in body:
        if isinstance(entry, dict) and "type" in entry and "account" in entry:  # a notification
            if entry["type"] in ("mention", "status", "quote") and _is_status(entry.get("status")):
                items.append(status_item(entry["status"], kind="mention"))
        elif _is_status(entry):
            items.append(status_item(entry))
        else:
            raise UnrecognisedPayload("Mastodon: array entry is neither a status nor a notification")
    return items


def _newer(a: str | None, b: str | None) -> str | None:
    """Mastodon ids are sortable numeric strings."""
    if not a or not b:
        return a or b
    return max(a, b, key=lambda v: (len(v), v))


# --- source ----------------------------------------------------------------------------------------


class MastodonSource:
    platform = PLATFORM

    def __init__(
        self, credentials: MastodonCredentials, *, client: HttpClient | None = None, max_pages: int = 5
    ) -> None:
        self.credentials = credentials
        self.max_pages = max_pages
        self.http = client or HttpClient(
            base_url=credentials.instance_url.rstrip("/"),
            error_for=error_for,
            rate_limit_parser=rate_limit_info,
        )
        self.headers = {"Authorization": f"Bearer {credentials.access_token}"}

    def _walk(
        self, path: str, params: dict[str, Any], min_id: str | None
    ) -> tuple[list[Any], str | None, bool]:
        """From ``min_id`` walk newer pages (``rel=prev``); without it, the newest pages (``rel=next``)."""
        rows: list[Any] = []
        newest = min_id
        response = self.http.request(
            "GET",
            path,
            params={**params, "limit": 40, **({"min_id": min_id} if min_id else {})},
            headers=self.headers,
        )
        for _ in range(self.max_pages):
            page = response.json()
            if not page:
                return rows, newest, False
            rows += page
            for row in page:
                newest = _newer(newest, str(row["id"]))
            link = response.links.get("prev" if min_id else "next", {}).get("url")
            if not link:
                return rows, newest, False
            response = self.http.request("GET", link, headers=self.headers)
        return rows, newest, True

    def fetch(self, since: Cursor = None) -> FetchResult:
        state = dict(since) if isinstance(since, dict) else {}
        me = self.credentials.account_id
        statuses, state["statuses"], more = self._walk(
            f"/api/v1/accounts/{me}/statuses", {}, state.get("statuses")
        )
        notes, state["notifications"], nmore = self._walk(
            "/api/v1/notifications", {"types[]": "mention"}, state.get("notifications")
        )
        items = parse_body(statuses) + parse_body(notes)
        watch = [s["id"] for s in statuses if (s.get("replies_count") or 0) > 0]
        watch = list(dict.fromkeys(watch + state.get("watch", [])))[:10]
        seen = {i.external_id for i in items}
        for status_id in watch:
            context = self.http.get_json(f"/api/v1/statuses/{status_id}/context", headers=self.headers)
            items += [i for i in parse_body(context) if i.external_id not in seen and i.author_id != me]
            seen = {i.external_id for i in items}
        state["watch"] = watch
        return FetchResult(items=items, cursor=state, has_more=more or nmore)


# --- publisher -------------------------------------------------------------------------------------


class MastodonPublisher:
    platform = PLATFORM

    def __init__(self, credentials: MastodonCredentials, *, client: HttpClient | None = None) -> None:
        self.credentials = credentials
        self.http = client or HttpClient(
            base_url=credentials.instance_url.rstrip("/"),
            error_for=error_for,
            rate_limit_parser=rate_limit_info,
        )
        self.headers = {"Authorization": f"Bearer {credentials.access_token}"}
        self.processing_checks = 6

    def _status(self, data: dict[str, Any], idempotency_key: str) -> PublishResult:
        headers = {**self.headers, "Idempotency-Key": idempotency_key}

        def send() -> PublishResult:
            body = self.http.post_json("/api/v1/statuses", data=data, headers=headers)
            return PublishResult(PLATFORM, str(body["id"]), body.get("url"), raw=body)

        # The server keeps the key for an hour: repeating the request cannot post twice.
        return send_once(send, lambda: None)

    def post(
        self,
        text: str,
        *,
        image: bytes | str | None = None,
        idempotency_key: str,
        media: MediaInput = (),
        options: PostOptions | None = None,
    ) -> PublishResult:
        """Each file through ``POST /api/v2/media`` (``file``, ``description`` = alt text; a 202 is still
        processing and is polled at ``GET /api/v1/media/:id``), then ``POST /api/v1/statuses`` with
        ``media_ids[]`` and the ``Idempotency-Key`` header."""
        data: dict[str, Any] = {"status": text, "visibility": PostOptions.of(options).privacy or "public"}
        ids = [self._upload(item) for item in media_of(image, media)]
        if ids:
            data["media_ids[]"] = ids
        return self._status(data, idempotency_key)

    def _upload(self, item: Media) -> str:
        fields = {"description": item.alt[:1500]} if item.alt else {}
        response = self.http.request(
            "POST",
            "/api/v2/media",
            data=fields,
            files={"file": (item.name, item.content(fetch_bytes), item.mime_type)},
            headers=self.headers,
            idempotent=True,  # an unattached upload is removed by the server
        )
        attachment = response.json()
        for attempt in range(self.processing_checks):
            if response.status_code != 202 and response.status_code != 206:
                break
            self.http.sleep(self.http.backoff(attempt))
            response = self.http.request("GET", f"/api/v1/media/{attachment['id']}", headers=self.headers)
        else:
            raise PlatformError("Mastodon: the media file is still processing", code="processing")
        return str(attachment["id"])

    def metrics(self, external_id: str) -> dict[str, int]:
        """A status's replies, boosts and favourites (``GET /api/v1/statuses/:id``)."""
        return metrics_of(
            self.http.get_json(f"/api/v1/statuses/{external_id}", headers=self.headers), METRICS
        )

    def followers(self) -> int | None:
        """The account's ``followers_count`` (``GET /api/v1/accounts/:id``)."""
        body = self.http.get_json(f"/api/v1/accounts/{self.credentials.account_id}", headers=self.headers)
        return to_int(body.get("followers_count"))

    def reply(self, parent_external_id: str, text: str, *, idempotency_key: str) -> PublishResult:
        return self._status({"status": text, "in_reply_to_id": parent_external_id}, idempotency_key)

    def hide(self, external_id: str) -> None:
        raise Unsupported("Mastodon: replies cannot be hidden; mute, block or report the account instead")

    def unhide(self, external_id: str) -> None:
        raise Unsupported("Mastodon: replies cannot be hidden")

    def delete(self, external_id: str) -> None:
        self.http.request("DELETE", f"/api/v1/statuses/{external_id}", headers=self.headers, idempotent=True)

    def reconcile(
        self,
        idempotency_key: str,
        *,
        text: str,
        parent_external_id: str | None = None,
        since: datetime | None = None,
    ) -> PublishResult | None:
        """After the key's hour: look for the text among our latest statuses."""
        path = f"/api/v1/accounts/{self.credentials.account_id}/statuses"
        for item in parse_body(self.http.get_json(path, params={"limit": 20}, headers=self.headers)):
            if same_text(text, item.text) and parent_external_id in (None, item.parent_external_id):
                return PublishResult(PLATFORM, item.external_id, item.url, reconciled=True, raw=item.raw)
        return None


# --- platform spec -------------------------------------------------------------------------------------

C = Capability
SPEC = PlatformSpec(
    name=PLATFORM,
    label="Mastodon",
    credentials=MastodonCredentials,
    credential_fields=fields_of(
        MastodonCredentials,
        instance_url=N_("Server address"),
        account_id=N_("Account id"),
        access_token=N_("Access token"),
    ),
    account_field="account_id",
    probe=fetch_probe(MastodonSource),
    source=MastodonSource,
    publisher=MastodonPublisher,
    parser=parse_body,
    webhook=None,
    rate_limit=rate_limit_info,
    capabilities=frozenset(
        {
            C.READ_POSTS,
            C.READ_COMMENTS,
            C.REPLY,
            C.POST_TEXT,
            C.POST_IMAGE,
            C.POST_VIDEO,
            C.DELETE,
            C.METRICS,
            C.FOLLOWERS,
        }
    ),
    image_input=frozenset({ImageInput.BYTES, ImageInput.URL}),  # a URL is read from humas' store
    reconcile=Reconcile.LOOKUP,
    # Defaults of a Mastodon server, which may raise them (GET /api/v2/instance, configuration.statuses and
    # .media_attachments; docs.joinmastodon.org/entities/Instance): max_characters 500,
    # characters_reserved_per_url 23, max_media_attachments 4, image_size_limit 16 MiB, video_size_limit
    # 99 MiB (103,809,024 bytes, as mastodon.social reports). No video length limit is set.
    limits=Limits(
        text_max=500,
        count_text=count_mastodon,
        caption_max=None,
        hashtags_max=None,
        media_max=4,
        image_max_bytes=16 * 1024 * 1024,
        video_max_bytes=103_809_024,
        video_max_seconds=None,
        aspect_ratio=None,
        image_max_side=None,
        video_codecs=None,
    ),
)
