"""X (Twitter) API v2: own posts, mentions, replies in our conversations; post, reply, hide, delete.

Reads use ``since_id`` and ``pagination_token`` / ``next_token``; rate limits come in
``x-rate-limit-limit/remaining/reset`` (reset in epoch seconds). X has no idempotency key for
``POST /2/tweets``: ``reconcile`` looks for the text among our own recent posts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
from humas.connectors.http import (
    HttpClient,
    RateLimitInfo,
    counted_rate_limit,
    json_or_none,
    retry_after_seconds,
)
from humas.connectors.media import Media, MediaInput, PostOptions, fetch_bytes, media_of, split_text
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
from humas.connectors.textcount import count_x

PLATFORM = "x"
BASE_URL = "https://api.x.com/2"
TWEET_FIELDS = "created_at,public_metrics,author_id,conversation_id,in_reply_to_user_id,referenced_tweets"
USER_FIELDS = "username,name,public_metrics"
METRICS = {
    "like_count": "likes",
    "reply_count": "replies",
    "retweet_count": "reposts",
    "quote_count": "quotes",
    "impression_count": "views",
    "bookmark_count": "bookmarks",
}
TWITTER_EPOCH_MS = 1288834974657
VIDEO_CHUNK = 4 * 1024 * 1024  # APPEND segments (each at most 5 MB, docs.x.com media upload chunked)


@dataclass(frozen=True)
class XCredentials:
    user_id: str
    username: str | None = None
    bearer_token: str = field(default="", repr=False)  # app-only, for reads
    user_access_token: str = field(default="", repr=False)  # OAuth 2.0 user context, to post

    def read_token(self) -> str:
        return self.bearer_token or self.user_access_token


# --- errors and rate limits ------------------------------------------------------------------------


def rate_limit_info(headers: httpx.Headers) -> RateLimitInfo | None:
    return counted_rate_limit(headers, "x-rate-limit-")


def error_for(response: httpx.Response) -> ConnectorError | None:
    status = response.status_code
    if status < 400:
        return None
    body = json_or_none(response) or {}
    detail = (
        str(body.get("detail") or body.get("title") or f"HTTP {status}") if isinstance(body, dict) else ""
    )
    if status == 401:
        return AuthExpired(f"X: {detail}")
    if status == 429:
        reset = to_int(response.headers.get("x-rate-limit-reset"))
        wait = reset - time.time() if reset else retry_after_seconds(response.headers, 60.0)
        return RateLimited(max(1.0, float(wait or 60.0)), "X: too many requests")
    return PlatformError(f"X: {detail}", status=status, code=body.get("type") if body else None, body=body)


# --- parsing ---------------------------------------------------------------------------------------


def snowflake_time(tweet_id: str) -> datetime | None:
    """X ids embed their creation time; used when a body lacks ``created_at``."""
    if not tweet_id.isdigit():
        return None
    ms = (int(tweet_id) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, UTC)


MEDIA_TYPES = {"photo": "image", "video": "video", "animated_gif": "video"}


def _tweet_media(tweet: dict[str, Any], media: dict[str, dict[str, Any]]) -> tuple[str | None, str | None]:
    """The first attachment (``attachments.media_keys`` resolved in ``includes.media``)."""
    keys = (tweet.get("attachments") or {}).get("media_keys")
    if not isinstance(keys, list) or not keys:
        return None, None
    found = media.get(str(keys[0]), {})
    kind = MEDIA_TYPES.get(str(found.get("type")), "other")
    return kind, id_or_none(found.get("url")) or id_or_none(found.get("preview_image_url")) or str(keys[0])


def _tweet_item(
    tweet: dict[str, Any],
    users: dict[str, dict[str, Any]],
    kind_hint: str | None,
    media: dict[str, dict[str, Any]] | None = None,
) -> SourceItem:
    tweet_id = str(tweet["id"])
    media_kind, media_ref = _tweet_media(tweet, media or {})
    author = users.get(str(tweet.get("author_id")), {})
    username = author.get("username")
    parent = next(
        (ref.get("id") for ref in tweet.get("referenced_tweets") or [] if ref.get("type") == "replied_to"),
        None,
    )
    kind = "reply" if parent else (kind_hint or "post")
    url = (
        f"https://x.com/{username}/status/{tweet_id}"
        if username
        else f"https://x.com/i/web/status/{tweet_id}"
    )
    return SourceItem(
        platform=PLATFORM,
        external_id=tweet_id,
        kind=kind,
        text=tweet.get("text") or "",
        created_at=parse_time(tweet.get("created_at")) or snowflake_time(tweet_id),
        author_id=str(tweet["author_id"]) if tweet.get("author_id") else None,
        author_handle=username,
        author_name=author.get("name"),
        author_followers=to_int((author.get("public_metrics") or {}).get("followers_count")),
        url=url,
        parent_external_id=parent,
        thread_external_id=tweet.get("conversation_id"),
        metrics=metrics_of(tweet.get("public_metrics") or {}, METRICS),
        raw=tweet,
        # conversation_id is the id of the post that started the conversation
        thread_root_id=id_or_none(tweet.get("conversation_id")) or (None if parent else tweet_id),
        in_reply_to_id=id_or_none(parent),
        media_kind=media_kind,
        media_ref=media_ref,
    )


def parse_tweets(body: Any, kind_hint: str | None = None) -> list[SourceItem]:
    """Parse any v2 answer that carries tweets: timelines, mentions, search, lookup, a created tweet."""
    body = as_dict(body)
    if not isinstance(body, dict):
        raise UnrecognisedPayload("X: expected a JSON object")
    if "data" not in body:
        if "title" in body and "status" in body or ("errors" in body and "meta" not in body):
            raise ErrorPayload(f"X error answer: {body.get('detail') or body.get('title') or body['errors']}")
        if isinstance(body.get("meta"), dict) and "result_count" in body["meta"]:
            return []  # a page with no results
        raise UnrecognisedPayload("X: no 'data' in body")
    users = {str(u["id"]): u for u in (body.get("includes") or {}).get("users", []) if "id" in u}
    included = (body.get("includes") or {}).get("media", [])
    media = {str(m["media_key"]): m for m in included if "media_key" in m}
    data = body["data"]
    if isinstance(data, dict):
        if "id" in data and "text" in data:
            return [_tweet_item(data, users, kind_hint, media)]
        if set(data) <= {"deleted", "hidden", "liked", "retweeted", "bookmarked"}:
            return []  # acknowledgements of writes
        if "username" in data and "text" not in data:
            return []  # a user lookup (``followers``)
        raise UnrecognisedPayload("X: 'data' object is not a post")
    if isinstance(data, list) and all(isinstance(t, dict) and "id" in t and "text" in t for t in data):
        return [_tweet_item(t, users, kind_hint, media) for t in data]
    raise UnrecognisedPayload("X: 'data' is not a list of posts")


parse_body = parse_tweets


# --- source ----------------------------------------------------------------------------------------


class XSource:
    """Polls own posts, mentions and replies to our recent posts (search covers the last 7 days)."""

    platform = PLATFORM

    def __init__(
        self, credentials: XCredentials, *, client: HttpClient | None = None, max_pages: int = 10
    ) -> None:
        self.credentials = credentials
        self.max_pages = max_pages
        self.http = client or HttpClient(
            base_url=BASE_URL, error_for=error_for, rate_limit_parser=rate_limit_info
        )
        self.headers = {"Authorization": f"Bearer {credentials.read_token()}"}

    def fetch(self, since: Cursor = None) -> FetchResult:
        state: dict[str, Any] = dict(since) if isinstance(since, dict) else {}
        me = self.credentials.user_id
        items: list[SourceItem] = []
        has_more = False
        endpoints: tuple[tuple[str, str, str, dict[str, str]], ...] = (
            ("tweets", f"/users/{me}/tweets", "post", {}),
            ("mentions", f"/users/{me}/mentions", "mention", {}),
        )
        for key, path, hint, extra in endpoints:
            got, state[key], more = self._poll(path, state.get(key) or {}, hint, extra)
            items += got
            has_more |= more
        own = [i.external_id for i in items if i.author_id == me or i.kind == "post"]
        watch = list(dict.fromkeys(own + list(state.get("watch", []))))[:10]
        state["watch"] = watch
        if watch:
            query = " OR ".join(f"conversation_id:{tid}" for tid in watch)
            extra = {
                "query": f"({query}) -from:{me}"
                if not self.credentials.username
                else f"({query}) -from:{self.credentials.username}"
            }
            got, state["replies"], more = self._poll(
                "/tweets/search/recent", state.get("replies") or {}, "reply", extra
            )
            items += got
            has_more |= more
        unique = {item.external_id: item for item in items}
        return FetchResult(items=list(unique.values()), cursor=state, has_more=has_more)

    def _poll(
        self, path: str, state: dict[str, Any], hint: str, extra: dict[str, str]
    ) -> tuple[list[SourceItem], dict[str, Any], bool]:
        """Follow one endpoint's pages; resume an unfinished walk from ``next_token``."""
        params: dict[str, Any] = {
            "max_results": 100,
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": USER_FIELDS,
            **extra,
        }
        if state.get("since_id"):
            params["since_id"] = state["since_id"]
        token_name = "next_token" if "search" in path else "pagination_token"
        token, newest = state.get("next_token"), state.get("newest_id")
        items: list[SourceItem] = []
        for _ in range(self.max_pages):
            page_params = {**params, **({token_name: token} if token else {})}
            body = self.http.get_json(path, params=page_params, headers=self.headers)
            items += parse_tweets(body, hint)
            meta = body.get("meta") or {}
            newest = newest or meta.get("newest_id")
            token = meta.get("next_token")
            if not token:
                return items, {"since_id": newest or state.get("since_id")}, False
        return items, {"since_id": state.get("since_id"), "next_token": token, "newest_id": newest}, True


# --- publisher -------------------------------------------------------------------------------------


class XPublisher:
    platform = PLATFORM

    def __init__(self, credentials: XCredentials, *, client: HttpClient | None = None) -> None:
        self.credentials = credentials
        self.http = client or HttpClient(
            base_url=BASE_URL, error_for=error_for, rate_limit_parser=rate_limit_info
        )
        self.headers = {"Authorization": f"Bearer {credentials.user_access_token}"}
        self.processing_checks = 10

    def _create(self, payload: dict[str, Any]) -> PublishResult:
        body = self.http.post_json("/tweets", json=payload, headers=self.headers)
        tweet_id = str(body["data"]["id"])
        handle = self.credentials.username or "i/web"
        return PublishResult(PLATFORM, tweet_id, f"https://x.com/{handle}/status/{tweet_id}", raw=body)

    def post(
        self,
        text: str,
        *,
        image: bytes | str | None = None,
        idempotency_key: str,
        media: MediaInput = (),
        options: PostOptions | None = None,
    ) -> PublishResult:
        """``POST /2/tweets`` with the uploaded ``media.media_ids``; a long text asked as a thread becomes a
        chain of posts, each answering the one before (``reply.in_reply_to_tweet_id``)."""
        files = media_of(image, media)
        if any(m.kind == "video" for m in files) and len(files) > 1:
            raise Unsupported("X: a video is posted alone (up to 4 photos, or 1 video)")
        opts = PostOptions.of(options)
        parts = [text]
        if opts.thread and SPEC.limits.text_over(text):
            parts = split_text(text, SPEC.limits.text_max, SPEC.limits.count_text)
        first: PublishResult | None = None
        parent: str | None = None
        for number, part in enumerate(parts):
            payload: dict[str, Any] = {"text": part}
            if number == 0 and files:
                payload["media"] = {"media_ids": [self._upload(m) for m in files]}
            if parent is not None:
                payload["reply"] = {"in_reply_to_tweet_id": parent}
            result = self._send_part(payload, idempotency_key, parent)
            first, parent = first or result, result.external_id
        assert first is not None
        return first

    def _send_part(self, payload: dict[str, Any], key: str, parent: str | None) -> PublishResult:
        since = datetime.now(UTC) - timedelta(minutes=5)
        return send_once(
            lambda: self._create(payload),
            lambda: self.reconcile(key, text=payload["text"], parent_external_id=parent, since=since),
        )

    def reply(self, parent_external_id: str, text: str, *, idempotency_key: str) -> PublishResult:
        payload = {"text": text, "reply": {"in_reply_to_tweet_id": parent_external_id}}
        since = datetime.now(UTC) - timedelta(minutes=5)
        return send_once(
            lambda: self._create(payload),
            lambda: self.reconcile(
                idempotency_key, text=text, parent_external_id=parent_external_id, since=since
            ),
        )

    def _upload(self, item: Media) -> str:
        """``POST /2/media/upload`` (multipart ``media``, ``media_category=tweet_image``), or a video in
        chunks; then its alt text through ``POST /2/media/metadata``. An orphan upload expires unused."""
        if item.kind == "video":
            return self._upload_video(item)
        body = self.http.post_json(
            "/media/upload",
            files={"media": (item.name, item.content(fetch_bytes), item.mime_type)},
            data={"media_category": "tweet_image"},
            headers=self.headers,
            idempotent=True,
        )
        media_id = str((body.get("data") or {}).get("id") or body.get("media_id_string"))
        if item.alt:
            self.http.post_json(
                "/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": item.alt[:1000]}}},
                headers=self.headers,
                idempotent=True,
            )
        return media_id

    def _upload_video(self, item: Media) -> str:
        """Chunked: ``POST /2/media/upload/initialize`` (JSON ``media_type``, ``total_bytes``,
        ``media_category=tweet_video``), ``/{id}/append`` per chunk (multipart ``media``, ``segment_index``),
        ``/{id}/finalize``, then ``GET /2/media/upload?command=STATUS`` until processing ``succeeded``."""
        data = item.content(fetch_bytes)
        init = self.http.post_json(
            "/media/upload/initialize",
            json={"media_type": item.mime_type, "total_bytes": len(data), "media_category": "tweet_video"},
            headers=self.headers,
            idempotent=True,
        )
        media_id = str(init["data"]["id"])
        for index, start in enumerate(range(0, len(data), VIDEO_CHUNK)):
            self.http.post_json(
                f"/media/upload/{media_id}/append",
                files={"media": ("chunk", data[start : start + VIDEO_CHUNK], "application/octet-stream")},
                data={"segment_index": str(index)},
                headers=self.headers,
                idempotent=True,  # a segment sent again replaces the same index
            )
        done = self.http.post_json(
            f"/media/upload/{media_id}/finalize", headers=self.headers, idempotent=True
        )
        info = (done.get("data") or {}).get("processing_info")
        for attempt in range(self.processing_checks):
            state = (info or {}).get("state")
            if info is None or state == "succeeded":
                return media_id
            if state == "failed":
                reason = ((info.get("error") or {}).get("message")) or "processing failed"
                raise PlatformError(f"X: video {reason}", code="media_failed")
            self.http.sleep(max(float(info.get("check_after_secs") or 0), self.http.backoff(attempt)))
            status = self.http.get_json(
                "/media/upload", params={"media_id": media_id, "command": "STATUS"}, headers=self.headers
            )
            info = (status.get("data") or {}).get("processing_info")
        raise PlatformError("X: the video is still processing", code="media_processing")

    def metrics(self, external_id: str) -> dict[str, int]:
        """A post's counts now (``GET /2/tweets/:id`` with ``tweet.fields=public_metrics``)."""
        body = self.http.get_json(
            f"/tweets/{external_id}", params={"tweet.fields": "public_metrics"}, headers=self.headers
        )
        return metrics_of((body.get("data") or {}).get("public_metrics") or {}, METRICS)

    def followers(self) -> int | None:
        """The account's follower count (``GET /2/users/:id?user.fields=public_metrics``, app-only token)."""
        body = self.http.get_json(
            f"/users/{self.credentials.user_id}",
            params={"user.fields": "public_metrics"},
            headers={"Authorization": f"Bearer {self.credentials.read_token()}"},
        )
        return to_int(((body.get("data") or {}).get("public_metrics") or {}).get("followers_count"))

    def hide(self, external_id: str) -> None:
        """Hide a reply to one of our conversations (``PUT /2/tweets/:id/hidden``)."""
        self.http.request(
            "PUT",
            f"/tweets/{external_id}/hidden",
            json={"hidden": True},
            headers=self.headers,
            idempotent=True,
        )

    def unhide(self, external_id: str) -> None:
        """Show a hidden reply again (``PUT /2/tweets/:id/hidden`` with ``{"hidden": false}``)."""
        self.http.request(
            "PUT",
            f"/tweets/{external_id}/hidden",
            json={"hidden": False},
            headers=self.headers,
            idempotent=True,
        )

    def delete(self, external_id: str) -> None:
        self.http.request("DELETE", f"/tweets/{external_id}", headers=self.headers, idempotent=True)

    def reconcile(
        self,
        idempotency_key: str,
        *,
        text: str,
        parent_external_id: str | None = None,
        since: datetime | None = None,
    ) -> PublishResult | None:
        """Find a post we already sent: same text (and parent) among our posts since ``since``."""
        params: dict[str, Any] = {"max_results": 20, "tweet.fields": TWEET_FIELDS}
        if since:
            params["start_time"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = self.http.get_json(
            f"/users/{self.credentials.user_id}/tweets", params=params, headers=self.headers
        )
        for item in parse_tweets(body):
            if same_text(text, item.text) and (parent_external_id in (None, item.parent_external_id)):
                handle = self.credentials.username or "i/web"
                url = f"https://x.com/{handle}/status/{item.external_id}"
                return PublishResult(PLATFORM, item.external_id, url, reconciled=True, raw=item.raw)
        return None


# --- platform spec -------------------------------------------------------------------------------------

C = Capability
MB = 1024 * 1024
SPEC = PlatformSpec(
    name=PLATFORM,
    label="X (Twitter)",
    credentials=XCredentials,
    credential_fields=fields_of(
        XCredentials,
        user_id=N_("Account id"),
        username=N_("Username"),
        bearer_token=N_("App bearer token (reading)"),
        user_access_token=N_("User access token (posting)"),
    ),
    account_field="user_id",
    probe=fetch_probe(XSource),
    source=XSource,
    publisher=XPublisher,
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
            C.HIDE,
            C.UNHIDE,
            C.DELETE,
            C.METRICS,
            C.FOLLOWERS,
        }
    ),
    image_input=frozenset({ImageInput.BYTES, ImageInput.URL}),  # a URL is read from humas' store
    reconcile=Reconcile.LOOKUP,
    # Text: docs.x.com/fundamentals/counting-characters (280, every URL counts 23) and the weights of
    # twitter-text config/v3.json (see textcount.count_x). Media: docs.x.com/x-api/media (image 5 MB,
    # video 512 MB with media_category=amplify_video); docs.x.com/x-api/media/quickstart/best-practices
    # (up to 4 photos, 1 GIF or 1 video per post); video length 140 s for API uploads.
    limits=Limits(
        text_max=280,
        count_text=count_x,
        caption_max=None,
        hashtags_max=None,
        media_max=4,
        image_max_bytes=5 * MB,
        video_max_bytes=512 * MB,
        video_max_seconds=140,
        aspect_ratio=None,
        image_max_side=None,
        video_codecs=None,
    ),
)
