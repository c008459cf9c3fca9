"""TikTok accounts through TikTok API for Business (Accounts API): comments on the unit's own videos.

Base ``https://business-api.tiktok.com/open_api/v1.3``, the token in an ``Access-Token`` header (no
``Bearer``), ``business_id`` = the ``open_id`` that ``/tt_user/oauth2/token/`` returned. Every answer is
``{"code", "message", "request_id", "data"}``; ``code`` 0 is success, anything else an error even with
HTTP 200.

What humas uses, and only this (the endpoints of the "TikTok Accounts" scope group):

- ``GET /business/video/list/`` (``fields`` a JSON array, newest first, ``cursor`` / ``has_more``): the
  account's own videos, read as posts (their counts come T+24-48 h).
- ``GET /business/comment/list/`` (``video_id``, ``include_replies``, ``status=ALL`` so hidden ones come
  too, ``sort_field=create_time``, ``sort_order=desc``, ``max_count`` ≤ 30): comments and, with
  ``include_replies``, at most three replies of each. A reply has ``parent_comment_id``.
- ``POST /business/comment/reply/create/`` (``business_id``, ``video_id``, ``comment_id``, ``text`` of at
  most 150 characters): reply to a comment.
- ``POST /business/comment/hide/`` (``action`` ``HIDE`` / ``UNHIDE``): hide or show a comment again.

Because every comment call needs the video as well, a comment's ``external_id`` is ``"<video id>:<comment
id>"``; a video's is its ``item_id``. Not done here: direct messages (no DM endpoint in this API),
commenting on a video (``/business/comment/create/``), deleting (only the account's own comments may be),
replies beyond the three ``include_replies`` returns (``/business/comment/reply/list/``: its answer shape
is not confirmed by a stored copy), comment webhooks, and video posting (the publishing issue).

Sources: the TikTok API for Business portal pages for these endpoints, as mirrored field by field in
bububa/tiktok-business (model/business/comment, model/business/video) and aoyagikouhei/tiktok-business
(maker/apis, maker/responses). See tests/connectors/fixtures/tiktok/SOURCES.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import httpx

from humas.connectors import tiktok_post
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
)
from humas.connectors.errors import (
    AuthExpired,
    ConnectorError,
    DeliveryUnknown,
    ErrorPayload,
    PlatformError,
    RateLimited,
    UnrecognisedPayload,
    Unsupported,
)
from humas.connectors.http import HttpClient, json_or_none, retry_after_seconds
from humas.connectors.media import MediaInput, PostOptions, media_of
from humas.connectors.spec import N_, Capability, Limits, PlatformSpec, Reconcile, fetch_probe, fields_of
from humas.connectors.textcount import count_chars

PLATFORM = "tiktok"
API = "https://business-api.tiktok.com/open_api/v1.3"
# 40105: "Access token is incorrect or has been revoked" (seen on /business/ endpoints). 40100: requests
# made too frequently (TikTok API for Business return codes; not confirmed by a stored copy).
AUTH_CODES = frozenset({40105})
THROTTLE_CODES = frozenset({40100})
VIDEO_FIELDS = json.dumps(["item_id", "create_time", "caption", "share_url", "likes", "comments", "shares"])
VIDEO_METRICS = {"likes": "likes", "comments": "comments", "shares": "shares", "video_views": "views"}
COMMENT_METRICS = {"likes": "likes", "replies": "replies"}


@dataclass(frozen=True)
class TikTokCredentials:
    business_id: str
    access_token: str = field(repr=False)
    # Content Posting API (Login Kit user token with video.publish, video.list): posting and post metrics.
    posting_token: str = field(default="", repr=False)
    username: str | None = None


def error_for(response: httpx.Response) -> ConnectorError | None:
    body = json_or_none(response)
    code = body.get("code") if isinstance(body, dict) else None
    if response.status_code < 400 and code == 0:
        return None
    message = (
        str(body.get("message") or "error") if isinstance(body, dict) else f"HTTP {response.status_code}"
    )
    if response.status_code == 401 or code in AUTH_CODES:
        return AuthExpired(f"TikTok: {message}")
    if response.status_code == 429 or code in THROTTLE_CODES:
        return RateLimited(retry_after_seconds(response.headers, 60.0) or 60.0, f"TikTok: {message}")
    status = response.status_code if response.status_code >= 400 else 400
    return PlatformError(f"TikTok: {message}", status=status, code=code, body=body)


def comment_ref(video_id: str, comment_id: str) -> str:
    return f"{video_id}:{comment_id}"


def split_ref(external_id: str) -> tuple[str, str]:
    """``(video id, comment id)`` of a comment's ``external_id``; a bare video id is refused."""
    video_id, sep, comment_id = external_id.rpartition(":")
    if not sep or not video_id or not comment_id:
        raise ValueError(f"TikTok: {external_id!r} is not a comment reference '<video id>:<comment id>'")
    return video_id, comment_id


# --- parsing ---------------------------------------------------------------------------------------


def video_item(video: dict[str, Any]) -> SourceItem:
    video_id = str(video["item_id"])
    return SourceItem(
        platform=PLATFORM,
        external_id=video_id,
        kind="post",
        text=str(video.get("caption") or ""),
        created_at=parse_time(video.get("create_time")),
        url=id_or_none(video.get("share_url")),
        thread_external_id=video_id,
        metrics=metrics_of(video, VIDEO_METRICS),
        raw=video,
        thread_root_id=video_id,
        media_kind="video",
        media_ref=video_id,
    )


def comment_item(row: dict[str, Any], *, video_id: str | None = None) -> SourceItem:
    """A comment (its parent is the video) or a reply (``parent_comment_id`` set)."""
    video = id_or_none(row.get("video_id")) or video_id
    if video is None:
        raise UnrecognisedPayload("TikTok: a comment without its video id")
    parent_comment = id_or_none(row.get("parent_comment_id"))
    parent = comment_ref(video, parent_comment) if parent_comment else video
    return SourceItem(
        platform=PLATFORM,
        external_id=comment_ref(video, str(row["comment_id"])),
        kind="reply" if parent_comment else "comment",
        text=str(row.get("text") or ""),
        created_at=parse_time(row.get("create_time")),
        # unique_identifier is the same across TikTok's APIs; user_id is per app and is being retired.
        author_id=id_or_none(row.get("unique_identifier")) or id_or_none(row.get("user_id")),
        author_handle=id_or_none(row.get("username")),
        author_name=id_or_none(row.get("display_name")),
        parent_external_id=parent,
        thread_external_id=video,
        metrics=metrics_of(row, COMMENT_METRICS),
        raw=row,
        thread_root_id=video,
        in_reply_to_id=parent,
    )


def comment_items(rows: list[Any], *, video_id: str | None = None) -> list[SourceItem]:
    """Comments with the replies ``include_replies`` nested in ``reply_list``."""
    items: list[SourceItem] = []
    for row in rows:
        if not isinstance(row, dict):
            raise UnrecognisedPayload("TikTok: a comment is not an object")
        items.append(comment_item(row, video_id=video_id))
        for reply in row.get("reply_list") or []:
            parented = {"parent_comment_id": row.get("comment_id"), **reply}
            items.append(comment_item(parented, video_id=video_id or id_or_none(row.get("video_id"))))
    return items


def parse_body(body: Any) -> list[SourceItem]:
    """A video list, comment list or reply-create answer; an error answer raises ``ErrorPayload``."""
    body = as_dict(body)
    if not isinstance(body, dict) or "code" not in body:
        raise UnrecognisedPayload("TikTok: no 'code' in the answer")
    if body.get("code") != 0:
        raise ErrorPayload(f"TikTok error answer {body.get('code')}: {body.get('message')}")
    data = body.get("data") or {}
    if not isinstance(data, dict):
        raise UnrecognisedPayload("TikTok: 'data' is not an object")
    if isinstance(data.get("videos"), list):
        return [video_item(v) for v in data["videos"] if isinstance(v, dict) and v.get("item_id")]
    if isinstance(data.get("comments"), list):
        return comment_items(data["comments"])
    if "comment_id" in data:
        return [comment_item(data)]
    if not data:
        return []  # hide / unhide answer no data
    raise UnrecognisedPayload("TikTok: unknown 'data'")


# --- source and publisher --------------------------------------------------------------------------


def _client(client: HttpClient | None) -> HttpClient:
    return client or HttpClient(base_url=API, error_for=error_for)


class TikTokSource:
    """The newest ``watch`` videos and, for each, comments newest first until the last poll's time."""

    platform = PLATFORM

    def __init__(
        self,
        credentials: TikTokCredentials,
        *,
        client: HttpClient | None = None,
        watch: int = 10,
        max_pages: int = 5,
    ) -> None:
        self.credentials = credentials
        self.http = _client(client)
        self.headers = {"Access-Token": credentials.access_token}
        self.watch, self.max_pages = watch, max_pages

    def _data(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        body = self.http.get_json(path, params=params, headers=self.headers)
        data = body.get("data") if isinstance(body, dict) else None
        return data if isinstance(data, dict) else {}

    def fetch(self, since: Cursor = None) -> FetchResult:
        seen = since.get("since") if isinstance(since, dict) else None
        params = {
            "business_id": self.credentials.business_id,
            "fields": VIDEO_FIELDS,
            "max_count": self.watch,
        }
        videos = [
            v for v in self._data("/business/video/list/", params).get("videos") or [] if v.get("item_id")
        ]
        items = [video_item(v) for v in videos]
        has_more = False
        for video in videos:
            comments, more = self._comments(str(video["item_id"]), seen)
            items += comments
            has_more = has_more or more
        newest = max(
            (int(i.created_at.timestamp()) for i in items if i.kind != "post" and i.created_at), default=None
        )
        cursor = {"since": max(newest, seen or 0) if newest is not None else seen}
        return FetchResult(items=items, cursor=cursor, has_more=has_more)

    def _comments(self, video_id: str, seen: int | None) -> tuple[list[SourceItem], bool]:
        params: dict[str, Any] = {
            "business_id": self.credentials.business_id,
            "video_id": video_id,
            "include_replies": "true",
            "status": "ALL",
            "sort_field": "create_time",
            "sort_order": "desc",
            "max_count": 30,
        }
        items: list[SourceItem] = []
        for _ in range(self.max_pages):
            data = self._data("/business/comment/list/", params)
            page = comment_items(data.get("comments") or [], video_id=video_id)
            items += page
            oldest = min((i.created_at for i in page if i.kind == "comment" and i.created_at), default=None)
            if not data.get("has_more") or (seen and oldest and oldest.timestamp() <= seen):
                return items, False
            params["cursor"] = data.get("cursor")
        return items, True


class TikTokPublisher:
    platform = PLATFORM

    def __init__(
        self,
        credentials: TikTokCredentials,
        *,
        client: HttpClient | None = None,
        posting: tiktok_post.ContentPosting | None = None,
    ) -> None:
        self.credentials = credentials
        self.http = _client(client)
        self.headers = {"Access-Token": credentials.access_token}
        self.posting = posting

    def post(
        self,
        text: str,
        *,
        image: bytes | str | None = None,
        idempotency_key: str,
        media: MediaInput = (),
        options: PostOptions | None = None,
    ) -> PublishResult:
        """Direct post of one video through the Content Posting API (``tiktok_post``), with the caption as
        its title; needs the Content Posting token."""
        video = tiktok_post.require_video(media_of(image, media))
        result = self._posting().post(video, title=text, privacy=PostOptions.of(options).privacy)
        url = None if result.external_id.startswith(tiktok_post.PUBLISH_PREFIX) else self._video_url(result)
        return replace(result, url=url)

    def _posting(self) -> tiktok_post.ContentPosting:
        if not self.credentials.posting_token:
            raise Unsupported("TikTok: posting needs the Content Posting access token (video.publish)")
        if self.posting is None:
            self.posting = tiktok_post.ContentPosting(self.credentials.posting_token)
            self.posting.http.max_wait_s = self.http.max_wait_s
        return self.posting

    def _video_url(self, result: PublishResult) -> str:
        return f"https://www.tiktok.com/@{self.credentials.username or '_'}/video/{result.external_id}"

    def metrics(self, external_id: str) -> dict[str, int]:
        """Likes, comments, shares and views of a posted video (Display API ``video/query``)."""
        return self._posting().metrics(external_id)

    def reply(self, parent_external_id: str, text: str, *, idempotency_key: str) -> PublishResult:
        """Reply to comment ``"<video id>:<comment id>"`` (``/business/comment/reply/create/``)."""
        if ":" not in parent_external_id:
            raise Unsupported("TikTok: humas replies to comments; commenting on a video is not supported")
        video_id, comment_id = split_ref(parent_external_id)
        payload = {
            "business_id": self.credentials.business_id,
            "video_id": video_id,
            "comment_id": comment_id,
            "text": text,
        }

        def send() -> PublishResult:
            body = self.http.post_json("/business/comment/reply/create/", json=payload, headers=self.headers)
            (item,) = parse_body(body)
            return PublishResult(PLATFORM, item.external_id, raw=body)

        def reconcile() -> PublishResult | None:
            found = self.reconcile(idempotency_key, text=text, parent_external_id=parent_external_id)
            if found is None:
                # NOTE: the list shows at most three replies: not finding ours proves nothing.
                raise DeliveryUnknown("TikTok: reply outcome unknown; not among the replies shown")
            return found

        return send_once(send, reconcile)

    def _moderate(self, external_id: str, action: str) -> None:
        video_id, comment_id = split_ref(external_id)
        payload = {
            "business_id": self.credentials.business_id,
            "video_id": video_id,
            "comment_id": comment_id,
            "action": action,
        }
        self.http.post_json("/business/comment/hide/", json=payload, headers=self.headers, idempotent=True)

    def hide(self, external_id: str) -> None:
        """Hide a comment on one of the account's videos (``action=HIDE``); reversible."""
        self._moderate(external_id, "HIDE")

    def unhide(self, external_id: str) -> None:
        """Show a hidden comment again (``action=UNHIDE``)."""
        self._moderate(external_id, "UNHIDE")

    def delete(self, external_id: str) -> None:
        raise Unsupported("TikTok: deleting comments is not supported here; hide them instead")

    def reconcile(
        self,
        idempotency_key: str,
        *,
        text: str,
        parent_external_id: str | None = None,
        since: datetime | None = None,
    ) -> PublishResult | None:
        """Our reply among the replies the comment list shows with its parent comment."""
        if not parent_external_id or ":" not in parent_external_id:
            return None
        video_id, comment_id = split_ref(parent_external_id)
        params = {
            "business_id": self.credentials.business_id,
            "video_id": video_id,
            "comment_ids": json.dumps([comment_id]),
            "include_replies": "true",
            "status": "ALL",
        }
        body = self.http.get_json("/business/comment/list/", params=params, headers=self.headers)
        for item in parse_body(body):
            if item.kind == "reply" and item.raw.get("owner") and same_text(text, item.text):
                return PublishResult(PLATFORM, item.external_id, reconciled=True)
        return None


# --- platform spec -------------------------------------------------------------------------------------

C = Capability
SPEC = PlatformSpec(
    name=PLATFORM,
    label="TikTok",
    credentials=TikTokCredentials,
    credential_fields=fields_of(
        TikTokCredentials,
        business_id=N_("Business id (open_id)"),
        access_token=N_("Access token"),
        posting_token=N_("Content Posting access token (video.publish)"),
        username=N_("Username"),
    ),
    account_field="business_id",
    probe=fetch_probe(TikTokSource),
    source=TikTokSource,
    publisher=TikTokPublisher,
    parser=parse_body,
    webhook=None,  # comment webhooks exist (comment.update) but are not wired here
    rate_limit=None,  # no rate-limit headers documented; throttling answers a code (see error_for)
    capabilities=frozenset(
        {C.READ_POSTS, C.READ_COMMENTS, C.REPLY, C.POST_VIDEO, C.HIDE, C.UNHIDE, C.METRICS}
    ),
    image_input=frozenset(),
    reconcile=Reconcile.NONE,  # the list shows three replies at most: absence proves nothing
    # /business/comment/reply/create/: "text ... at most 150 characters". No media in replies. One limit
    # serves replies and posts, so a video's caption is held to the replies' 150 too (TikTok takes 2,200
    # UTF-16 runes in post_info.title). A post is one video: up to 4 GB (media transfer guide); length as
    # creator_info's max_video_post_duration_sec allows, commonly 10 minutes.
    limits=Limits(
        text_max=150,
        count_text=count_chars,
        caption_max=None,
        hashtags_max=None,
        media_max=1,
        image_max_bytes=None,
        video_max_bytes=4 * 1024**3,
        video_max_seconds=10 * 60,
        aspect_ratio=None,
        image_max_side=None,
        video_codecs=None,
    ),
)
