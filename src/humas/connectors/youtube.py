"""YouTube Data API v3: the channel's videos and their comment threads; reply to and moderate comments.

Videos come from the uploads playlist (``playlistItems.list``, 1 quota unit, where ``search.list`` costs
100) and ``videos.list`` for statistics (strings, converted to ints). Comments from ``commentThreads.list``
per recent video; a thread holds only some replies, so ``comments.list?parentId=`` fills the rest. The
daily quota (10,000 units) is exhausted with 403 ``quotaExceeded``: retry after midnight Pacific time.
The API cannot publish text posts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from humas.connectors.base import (
    Cursor,
    FetchResult,
    PublishResult,
    SourceItem,
    as_dict,
    id_or_none,
    key_digest,
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
from humas.connectors.http import HttpClient, json_or_none
from humas.connectors.media import MediaInput, PostOptions, fetch_bytes, media_of
from humas.connectors.spec import N_, Capability, Limits, PlatformSpec, Reconcile, fetch_probe, fields_of
from humas.connectors.textcount import count_chars

PLATFORM = "youtube"
BASE_URL = "https://www.googleapis.com/youtube/v3"
UPLOAD_URL = "https://www.googleapis.com/upload/youtube/v3/videos"
PACIFIC = ZoneInfo("America/Los_Angeles")
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
VIDEO_METRICS = {"viewCount": "views", "likeCount": "likes", "commentCount": "comments"}


@dataclass(frozen=True)
class YouTubeCredentials:
    channel_id: str
    api_key: str = field(default="", repr=False)  # public reads
    access_token: str = field(default="", repr=False)  # OAuth, scope youtube.force-ssl, for writes


def seconds_until_quota_reset(now: datetime | None = None) -> float:
    now = (now or datetime.now(PACIFIC)).astimezone(PACIFIC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)
    return (midnight - now).total_seconds()


def error_for(response: httpx.Response) -> ConnectorError | None:
    status = response.status_code
    if status < 400:
        return None
    body = json_or_none(response) or {}
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    reasons = {e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)}
    message = str(error.get("message") or f"HTTP {status}")
    if status == 401 or "authError" in reasons or error.get("status") == "UNAUTHENTICATED":
        return AuthExpired(f"YouTube: {message}")
    if reasons & QUOTA_REASONS:
        return RateLimited(seconds_until_quota_reset(), "YouTube: daily quota exhausted")
    if reasons & RATE_REASONS or status == 429:
        return RateLimited(60.0, "YouTube: rate limit")
    return PlatformError(f"YouTube: {message}", status=status, code=next(iter(reasons), None), body=body)


# --- parsing ---------------------------------------------------------------------------------------


def _video_item(video_id: str, snippet: dict[str, Any], statistics: dict[str, Any], raw: dict) -> SourceItem:
    title, description = snippet.get("title") or "", snippet.get("description") or ""
    return SourceItem(
        platform=PLATFORM,
        external_id=video_id,
        kind="post",
        text=f"{title}\n\n{description}".strip(),
        created_at=parse_time(snippet.get("videoPublishedAt") or snippet.get("publishedAt")),
        author_id=snippet.get("videoOwnerChannelId") or snippet.get("channelId"),
        author_name=snippet.get("videoOwnerChannelTitle") or snippet.get("channelTitle"),
        url=f"https://www.youtube.com/watch?v={video_id}",
        thread_external_id=video_id,
        channel_external_id=snippet.get("channelId"),
        metrics=metrics_of(statistics, VIDEO_METRICS),
        raw=raw,
        thread_root_id=video_id,
    )


def comment_item(comment: dict[str, Any], *, video_id: str | None = None) -> SourceItem:
    snippet = comment.get("snippet") or {}
    video_id = video_id or snippet.get("videoId")
    parent = snippet.get("parentId")
    comment_id = str(comment["id"])
    return SourceItem(
        platform=PLATFORM,
        external_id=comment_id,
        kind="reply" if parent else "comment",
        text=snippet.get("textOriginal") or snippet.get("textDisplay") or "",
        created_at=parse_time(snippet.get("publishedAt")),
        author_id=(snippet.get("authorChannelId") or {}).get("value"),
        author_handle=snippet.get("authorDisplayName"),
        author_name=snippet.get("authorDisplayName"),
        url=f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}" if video_id else None,
        parent_external_id=parent or video_id,
        thread_external_id=video_id,
        channel_external_id=snippet.get("channelId"),
        metrics=metrics_of(snippet, {"likeCount": "likes"}),
        raw=comment,
        thread_root_id=id_or_none(video_id),
        in_reply_to_id=id_or_none(parent) or id_or_none(video_id),
    )


def thread_items(thread: dict[str, Any]) -> list[SourceItem]:
    snippet = thread.get("snippet") or {}
    video_id = snippet.get("videoId")
    top = comment_item(snippet["topLevelComment"], video_id=video_id)
    replies = [comment_item(c, video_id=video_id) for c in (thread.get("replies") or {}).get("comments", [])]
    return [top, *replies]


def _resource_items(resource: dict[str, Any]) -> list[SourceItem]:
    kind = resource.get("kind")
    snippet = resource.get("snippet") or {}
    if kind == "youtube#video":
        return [_video_item(str(resource["id"]), snippet, resource.get("statistics") or {}, resource)]
    if kind == "youtube#playlistItem":
        video_id = (snippet.get("resourceId") or {}).get("videoId") or (
            resource.get("contentDetails") or {}
        ).get("videoId")
        return [_video_item(str(video_id), snippet, {}, resource)]
    if kind == "youtube#searchResult":
        video_id = (resource.get("id") or {}).get("videoId")
        return [_video_item(str(video_id), snippet, {}, resource)] if video_id else []
    if kind == "youtube#commentThread":
        return thread_items(resource)
    if kind == "youtube#comment":
        return [comment_item(resource)]
    if kind == "youtube#channel":
        return []  # a channel's statistics (``followers``): nothing public to ingest
    raise UnrecognisedPayload(f"YouTube: resource kind {kind!r} is not handled")


def parse_body(body: Any) -> list[SourceItem]:
    """List responses (videos, playlistItems, search, commentThreads, comments) or one resource."""
    body = as_dict(body)
    if not isinstance(body, dict):
        raise UnrecognisedPayload("YouTube: expected a JSON object")
    if isinstance(body.get("error"), dict):
        raise ErrorPayload(f"YouTube error answer: {body['error'].get('message')}")
    kind = str(body.get("kind") or "")
    if not kind.startswith("youtube#"):
        raise UnrecognisedPayload("YouTube: no 'youtube#' kind")
    if kind.endswith("ListResponse"):
        return [item for resource in body.get("items") or [] for item in _resource_items(resource)]
    return _resource_items(body)


# --- source ----------------------------------------------------------------------------------------


class YouTubeSource:
    platform = PLATFORM

    def __init__(
        self,
        credentials: YouTubeCredentials,
        *,
        client: HttpClient | None = None,
        watch: int = 10,
        max_pages: int = 5,
    ) -> None:
        self.credentials = credentials
        self.http = client or HttpClient(base_url=BASE_URL, error_for=error_for)
        self.watch, self.max_pages = watch, max_pages
        self.auth: dict[str, Any] = (
            {"headers": {"Authorization": f"Bearer {credentials.access_token}"}}
            if credentials.access_token
            else {"params": {"key": credentials.api_key}}
        )

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        extra = dict(self.auth)
        if "params" in extra:
            params = {**params, **extra.pop("params")}
        return self.http.get_json(path, params=params, **extra)

    def _pages(self, path: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
        resources: list[dict[str, Any]] = []
        token = None
        for _ in range(self.max_pages):
            body = self._get(path, {**params, **({"pageToken": token} if token else {})})
            resources += body.get("items") or []
            token = body.get("nextPageToken")
            if not token:
                return resources, False
        return resources, True

    def fetch(self, since: Cursor = None) -> FetchResult:
        state = dict(since) if isinstance(since, dict) else {}
        videos_since, comments_since = parse_time(state.get("since")), parse_time(state.get("comments_since"))
        uploads = "UU" + self.credentials.channel_id[2:]
        body = self._get("/playlistItems", {"part": "snippet", "playlistId": uploads, "maxResults": 50})
        new = [i for r in body.get("items") or [] for i in _resource_items(r)]
        new = [i for i in new if videos_since is None or (i.created_at and i.created_at > videos_since)]
        items: list[SourceItem] = []
        if new:
            ids = ",".join(i.external_id for i in new)
            stats = self._get("/videos", {"part": "snippet,statistics", "id": ids})
            items += [i for r in stats.get("items") or [] for i in _resource_items(r)]
        watch = list(dict.fromkeys([i.external_id for i in new] + state.get("watch", [])))[: self.watch]
        more = False
        for video_id in watch:
            threads, tmore = self._pages(
                "/commentThreads",
                {"part": "snippet,replies", "videoId": video_id, "order": "time", "maxResults": 100},
            )
            more |= tmore
            for thread in threads:
                got = thread_items(thread)
                total = (thread.get("snippet") or {}).get("totalReplyCount") or 0
                if total > len(got) - 1:  # the thread carries a subset of replies only
                    rows, _ = self._pages(
                        "/comments", {"part": "snippet", "parentId": got[0].external_id, "maxResults": 100}
                    )
                    got = [got[0], *(comment_item(c, video_id=video_id) for c in rows)]
                items += [
                    i
                    for i in got
                    if comments_since is None or (i.created_at and i.created_at > comments_since)
                ]
        cursor = {
            "since": _newest(items, {"post"}, videos_since),
            "comments_since": _newest(items, {"comment", "reply"}, comments_since),
            "watch": watch,
        }
        return FetchResult(items=items, cursor=cursor, has_more=more)


def _newest(items: list[SourceItem], kinds: set[str], previous: datetime | None) -> str | None:
    times = [i.created_at for i in items if i.kind in kinds and i.created_at] + (
        [previous] if previous else []
    )
    return max(times).isoformat() if times else None


# --- publisher -------------------------------------------------------------------------------------


class YouTubePublisher:
    platform = PLATFORM

    def __init__(self, credentials: YouTubeCredentials, *, client: HttpClient | None = None) -> None:
        self.credentials = credentials
        self.http = client or HttpClient(base_url=BASE_URL, error_for=error_for)
        self.headers = {"Authorization": f"Bearer {credentials.access_token}"}

    def post(
        self,
        text: str,
        *,
        image: bytes | str | None = None,
        idempotency_key: str,
        media: MediaInput = (),
        options: PostOptions | None = None,
    ) -> PublishResult:
        """Upload one video with ``videos.insert``'s resumable protocol: a POST with ``uploadType=resumable``
        and the JSON snippet/status opens a session, a PUT of the bytes to its URI creates the video. The
        snippet carries a tag made from the idempotency key, so ``reconcile`` can find the upload."""
        videos = [m for m in media_of(image, media) if m.kind == "video"]
        if len(videos) != 1:
            raise Unsupported("YouTube: a post is one video (the Data API publishes no text or image posts)")
        opts = PostOptions.of(options)
        data = videos[0].content(fetch_bytes)
        resource = {
            "snippet": {
                "title": video_title(opts.title or text),
                "description": text,
                "tags": [upload_tag(idempotency_key)],
            },
            "status": {"privacyStatus": opts.privacy or "public", "selfDeclaredMadeForKids": False},
        }
        opened = self.http.request(
            "POST",
            UPLOAD_URL,
            params={"uploadType": "resumable", "part": "snippet,status"},
            json=resource,
            headers={
                **self.headers,
                "X-Upload-Content-Length": str(len(data)),
                "X-Upload-Content-Type": videos[0].mime_type,
            },
            idempotent=True,  # an unused session creates nothing and expires
        )
        session = opened.headers["location"]
        mime = videos[0].mime_type

        def send() -> PublishResult:
            response = self.http.request(
                "PUT", session, content=data, headers={**self.headers, "Content-Type": mime}
            )
            return self._uploaded(response.json())

        return send_once(send, lambda: self._resume(session, data, mime))

    def _uploaded(self, video: dict[str, Any]) -> PublishResult:
        video_id = str(video["id"])
        return PublishResult(PLATFORM, video_id, f"https://www.youtube.com/watch?v={video_id}", raw=video)

    def _resume(self, session: str, data: bytes, mime: str) -> PublishResult | None:
        """After an interrupted PUT: ask the session how far it got (``Content-Range: bytes */N``) and send
        the rest; a finished upload answers with the video."""
        status = self.http.request(
            "PUT", session, headers={**self.headers, "Content-Range": f"bytes */{len(data)}"}, idempotent=True
        )
        if status.status_code in (200, 201):
            return replace(self._uploaded(status.json()), reconciled=True)
        received = status.headers.get("range", "")  # 308 Resume Incomplete: "bytes=0-<last>"
        start = int(received.rsplit("-", 1)[1]) + 1 if received else 0
        response = self.http.request(
            "PUT",
            session,
            content=data[start:],
            headers={
                **self.headers,
                "Content-Type": mime,
                "Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}",
            },
        )
        return self._uploaded(response.json())

    def metrics(self, external_id: str) -> dict[str, int]:
        """A video's views, likes and comments (``videos.list?part=statistics``)."""
        body = self.http.get_json(
            "/videos", params={"part": "statistics", "id": external_id}, headers=self.headers
        )
        items = body.get("items") or [{}]
        return metrics_of(items[0].get("statistics") or {}, VIDEO_METRICS)

    def followers(self) -> int | None:
        """The channel's subscriber count (``channels.list?part=statistics``); ``None`` when the channel hides
        it (``hiddenSubscriberCount``). YouTube gives it rounded to three significant figures."""
        params = {"part": "statistics", "id": self.credentials.channel_id}
        if self.credentials.api_key:
            body = self.http.get_json("/channels", params={**params, "key": self.credentials.api_key})
        else:
            body = self.http.get_json("/channels", params=params, headers=self.headers)
        items = body.get("items") or []
        if not items:
            raise PlatformError("YouTube: channel not found", code="channelNotFound", body=body)
        statistics = items[0].get("statistics") or {}
        if statistics.get("hiddenSubscriberCount") is True:
            return None
        return to_int(statistics.get("subscriberCount"))

    def reply(self, parent_external_id: str, text: str, *, idempotency_key: str) -> PublishResult:
        """Reply to a comment (``comments.insert``), or comment on a video id (``commentThreads.insert``)."""
        if len(parent_external_id) == 11:  # a video id: start a new top-level thread
            path = "/commentThreads"
            payload = {
                "snippet": {
                    "videoId": parent_external_id,
                    "topLevelComment": {"snippet": {"textOriginal": text}},
                }
            }
        else:
            path, payload = "/comments", {"snippet": {"parentId": parent_external_id, "textOriginal": text}}

        def send() -> PublishResult:
            body = self.http.post_json(path, params={"part": "snippet"}, json=payload, headers=self.headers)
            items = parse_body(body)
            return PublishResult(PLATFORM, items[0].external_id, items[0].url, raw=body)

        return send_once(
            send, lambda: self.reconcile(idempotency_key, text=text, parent_external_id=parent_external_id)
        )

    def hide(self, external_id: str) -> None:
        """Hold a comment on our channel for review (``comments.setModerationStatus``): out of public view.

        NOTE: not ``rejected``: YouTube cannot set a rejected comment back to ``published``, and humas'
        hiding must stay reversible (``unhide``).
        """
        self._moderate(external_id, "heldForReview")

    def unhide(self, external_id: str) -> None:
        """Clear a held comment for public display again (``moderationStatus=published``)."""
        self._moderate(external_id, "published")

    def _moderate(self, external_id: str, status: str) -> None:
        self.http.request(
            "POST",
            "/comments/setModerationStatus",
            params={"id": external_id, "moderationStatus": status},
            headers=self.headers,
            idempotent=True,
        )

    def delete(self, external_id: str) -> None:
        """Delete one of our own comments."""
        self.http.request(
            "DELETE", "/comments", params={"id": external_id}, headers=self.headers, idempotent=True
        )

    def reconcile(
        self,
        idempotency_key: str,
        *,
        text: str,
        parent_external_id: str | None = None,
        since: datetime | None = None,
    ) -> PublishResult | None:
        """Our reply among the parent comment's replies (author = our channel, same text), or an upload
        among the channel's newest videos that carries the key's tag."""
        if not parent_external_id:
            return self._find_upload(idempotency_key)
        if len(parent_external_id) == 11:
            return None
        body = self.http.get_json(
            "/comments",
            params={"part": "snippet", "parentId": parent_external_id, "maxResults": 100},
            headers=self.headers,
        )
        for item in parse_body(body):
            if item.author_id == self.credentials.channel_id and same_text(text, item.text):
                return PublishResult(PLATFORM, item.external_id, item.url, reconciled=True, raw=item.raw)
        return None

    def _find_upload(self, idempotency_key: str) -> PublishResult | None:
        uploads = "UU" + self.credentials.channel_id[2:]
        listed = self.http.get_json(
            "/playlistItems",
            params={"part": "contentDetails", "playlistId": uploads, "maxResults": 10},
            headers=self.headers,
        )
        ids = [str((i.get("contentDetails") or {}).get("videoId")) for i in listed.get("items") or []]
        if not ids:
            return None
        body = self.http.get_json(
            "/videos", params={"part": "snippet", "id": ",".join(ids)}, headers=self.headers
        )
        tag = upload_tag(idempotency_key)
        for video in body.get("items") or []:
            if tag in ((video.get("snippet") or {}).get("tags") or []):
                return replace(self._uploaded(video), reconciled=True)
        return None


def video_title(text: str) -> str:
    """A title YouTube accepts: the first line, at most 100 characters, without ``<`` or ``>``."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "Video")
    line = line.replace("<", "").replace(">", "")
    return line if len(line) <= 100 else line[:99].rstrip() + "…"


def upload_tag(idempotency_key: str) -> str:
    return f"humas-{key_digest(idempotency_key, 12)}"


# --- platform spec -------------------------------------------------------------------------------------

C = Capability
SPEC = PlatformSpec(
    name=PLATFORM,
    label="YouTube",
    credentials=YouTubeCredentials,
    credential_fields=fields_of(
        YouTubeCredentials,
        channel_id=N_("Channel id"),
        api_key=N_("API key (reading)"),
        access_token=N_("Access token"),
    ),
    account_field="channel_id",
    probe=fetch_probe(YouTubeSource),
    source=YouTubeSource,
    publisher=YouTubePublisher,
    parser=parse_body,
    webhook=None,
    rate_limit=None,  # a daily quota, answered as 403 quotaExceeded (see error_for), not headers
    capabilities=frozenset(
        {
            C.READ_POSTS,
            C.READ_COMMENTS,
            C.REPLY,
            C.POST_VIDEO,
            C.HIDE,
            C.UNHIDE,
            C.DELETE,
            C.METRICS,
            C.FOLLOWERS,
        }
    ),
    image_input=frozenset(),
    reconcile=Reconcile.LOOKUP,
    # Comments: YouTube's comment box takes 10,000 characters; longer text is refused with
    # commentTextTooLong (developers.google.com/youtube/v3/docs/commentThreads/insert, errors). A post is one
    # video (videos.insert): its description is the text, at most 5,000 bytes, title 100 characters
    # (developers.google.com/youtube/v3/docs/videos#snippet.description); files up to 256 GB, 12 hours for
    # verified channels, 15 minutes otherwise (support.google.com/youtube/answer/71673).
    limits=Limits(
        text_max=10_000,
        count_text=count_chars,
        caption_max=5_000,
        hashtags_max=None,
        media_max=1,
        image_max_bytes=None,
        video_max_bytes=256 * 1024**3,
        video_max_seconds=12 * 3600,
        aspect_ratio=None,
        image_max_side=None,
        video_codecs=None,
    ),
)
