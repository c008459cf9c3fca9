"""Instagram professional accounts through the Graph API (Facebook Login host or graph.instagram.com).

Reads: own media, their comments with nested replies, and media we are tagged in (``/tags``); caption
@mentions arrive by the ``mentions`` webhook. Publishing is the two-step container flow
(``/media`` then ``/media_publish``) and needs a public image URL: Instagram has no text-only posts. A
container can be published once only, which makes the second step safe to retry.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from humas.connectors import meta
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
from humas.connectors.errors import DeliveryUnknown, PlatformError, UnrecognisedPayload, Unsupported
from humas.connectors.http import HttpClient
from humas.connectors.media import Media, MediaInput, PostOptions, media_of
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
from humas.connectors.textcount import count_chars

PLATFORM = "instagram"
MEDIA_FIELDS = "id,caption,timestamp,like_count,comments_count,permalink,media_type,username"
REPLY_FIELDS = "id,text,timestamp,username,from,like_count,parent_id"
COMMENT_FIELDS = f"{REPLY_FIELDS},replies{{{REPLY_FIELDS}}}"
METRICS = {"like_count": "likes", "comments_count": "comments"}
# GET /{ig-media-id}/insights, per
# developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights
INSIGHT_NAMES = {"reach": "reach", "views": "views", "shares": "shares", "saved": "saves"}
INSIGHTS = ",".join(INSIGHT_NAMES)
MEDIA_MARKERS = ("caption", "media_type", "permalink", "media_url", "media_product_type")


@dataclass(frozen=True)
class InstagramCredentials:
    ig_user_id: str
    access_token: str = field(repr=False)
    username: str | None = None
    version: str = meta.DEFAULT_VERSION
    host: str = meta.GRAPH_HOST  # "https://graph.instagram.com" for Instagram Login tokens


# --- parsing ---------------------------------------------------------------------------------------


MEDIA_TYPES = {"IMAGE": "image", "CAROUSEL_ALBUM": "image", "VIDEO": "video", "REELS": "video"}


def media_item(row: dict[str, Any], *, kind: str = "post") -> SourceItem:
    media_kind = MEDIA_TYPES.get(str(row.get("media_type")))
    media_ref = id_or_none(row.get("media_url")) or id_or_none(row.get("permalink")) if media_kind else None
    return SourceItem(
        platform=PLATFORM,
        external_id=str(row["id"]),
        kind=kind,
        text=row.get("caption") or "",
        created_at=parse_time(row.get("timestamp")),
        author_handle=row.get("username"),
        url=row.get("permalink"),
        thread_external_id=str(row["id"]),
        metrics=metrics_of(row, METRICS),
        raw=row,
        thread_root_id=str(row["id"]),
        media_kind=media_kind,
        media_ref=media_ref,
    )


def comment_items(row: dict[str, Any], *, media_id: str | None = None) -> list[SourceItem]:
    """A comment and the replies nested in it (``replies{...}``)."""
    author = row.get("from") or {}
    parent = row.get("parent_id")
    media = media_id or id_or_none((row.get("media") or {}).get("id"))
    item = SourceItem(
        platform=PLATFORM,
        external_id=str(row["id"]),
        kind="reply" if parent else "comment",
        text=row.get("text") or "",
        created_at=parse_time(row.get("timestamp")),
        author_id=str(author["id"]) if author.get("id") else None,
        author_handle=author.get("username") or row.get("username"),
        parent_external_id=parent or media_id or ((row.get("media") or {}).get("id")),
        thread_external_id=media_id or (row.get("media") or {}).get("id"),
        metrics=metrics_of(row, {"like_count": "likes"}),
        raw=row,
        thread_root_id=media,
        in_reply_to_id=id_or_none(parent) or media,
    )
    out = [item]
    for reply in (row.get("replies") or {}).get("data", []):
        out += comment_items({**reply, "parent_id": reply.get("parent_id") or row["id"]}, media_id=media)
    return out


def parse_graph(body: Any) -> list[SourceItem]:
    """Media lists, comment and reply lists, ``mentioned_media``/``mentioned_comment``, write acks."""
    body = as_dict(body)
    if not isinstance(body, dict):
        raise UnrecognisedPayload("Instagram: expected a JSON object")
    if body and set(body) <= {"id", "success", "status_code", "status"}:
        return []  # container/publish/reply acknowledgements and container status
    for key, kind in (("mentioned_media", "mention"), ("mentioned_comment", "mention")):
        if isinstance(body.get(key), dict):
            row = body[key]
            if key == "mentioned_comment":
                return [replace(c, kind=kind) for c in comment_items(row)[:1]]
            return [media_item(row, kind=kind)]
    rows = body.get("data")
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "id" in r for r in rows):
        raise UnrecognisedPayload("Instagram: no 'data' list")
    if rows and not all("timestamp" in r for r in rows):
        raise UnrecognisedPayload("Instagram: rows without 'timestamp'")
    items: list[SourceItem] = []
    for row in rows:
        if any(k in row for k in MEDIA_MARKERS):
            items.append(media_item(row))
        else:
            items += comment_items(row)
    return items


def parse_webhook(body: Any) -> list[SourceItem]:
    """``comments`` / ``live_comments`` and ``mentions`` changes of an Instagram delivery."""
    obj, changes = meta.webhook_changes(body)
    if obj != "instagram":
        raise UnrecognisedPayload(f"Instagram: webhook object {obj!r}")
    items: list[SourceItem] = []
    for account_id, field_name, value in changes:
        if field_name in ("comments", "live_comments") and "id" in value:
            item = comment_items(value)[0]
            items.append(replace(item, channel_external_id=account_id))
        elif field_name == "mentions" and (value.get("comment_id") or value.get("media_id")):
            # The delivery names the object only; its text is read later with mentioned_comment/_media.
            external_id = str(value.get("comment_id") or value.get("media_id"))
            items.append(
                SourceItem(
                    platform=PLATFORM,
                    external_id=external_id,
                    kind="mention",
                    text="",
                    created_at=None,
                    parent_external_id=str(value["media_id"]) if value.get("comment_id") else None,
                    channel_external_id=account_id,
                    raw=value,
                    thread_root_id=id_or_none(value.get("media_id")),
                    in_reply_to_id=id_or_none(value.get("media_id")) if value.get("comment_id") else None,
                )
            )
    return items


# --- source ----------------------------------------------------------------------------------------


class InstagramSource:
    platform = PLATFORM

    def __init__(
        self, credentials: InstagramCredentials, *, client: HttpClient | None = None, watch: int = 20
    ) -> None:
        self.credentials = credentials
        self.http = client or meta.graph_client(credentials.version)
        self.watch = watch

    def fetch(self, since: Cursor = None) -> FetchResult:
        state = dict(since) if isinstance(since, dict) else {}
        me, token = self.credentials.ig_user_id, {"access_token": self.credentials.access_token}
        media_since, tags_since = parse_time(state.get("since")), parse_time(state.get("tags_since"))
        comments_since = parse_time(state.get("comments_since"))

        def older(limit: datetime | None) -> Any:
            return lambda row: limit is not None and (parse_time(row.get("timestamp")) or limit) <= limit

        params = {**token, "fields": MEDIA_FIELDS, "limit": 50}
        rows, more = meta.follow_pages(self.http, f"/{me}/media", params, stop=older(media_since))
        items = [media_item(r) for r in rows]
        tag_rows, tmore = meta.follow_pages(self.http, f"/{me}/tags", params, stop=older(tags_since))
        items += [media_item(r, kind="mention") for r in tag_rows]
        watch = list(
            dict.fromkeys([i.external_id for i in items if i.kind == "post"] + state.get("watch", []))
        )
        watch = watch[: self.watch]
        for media_id in watch:
            cparams = {**token, "fields": COMMENT_FIELDS, "limit": 50}
            crows, cmore = meta.follow_pages(self.http, f"/{media_id}/comments", cparams)
            more |= cmore
            for row in crows:
                for item in comment_items(row, media_id=media_id):
                    if comments_since is None or (item.created_at and item.created_at > comments_since):
                        items.append(item)
        cursor = {
            "since": _newest(items, {"post"}, state.get("since")),
            "tags_since": _newest(items, {"mention"}, state.get("tags_since")),
            "comments_since": _newest(items, {"comment", "reply"}, state.get("comments_since")),
            "watch": watch,
        }
        return FetchResult(items=items, cursor=cursor, has_more=more or tmore)


def _newest(items: list[SourceItem], kinds: set[str], previous: str | None) -> str | None:
    times = [i.created_at for i in items if i.kind in kinds and i.created_at]
    if previous and parse_time(previous):
        times.append(parse_time(previous))  # type: ignore[arg-type]
    return max(times).isoformat() if times else None


# --- publisher -------------------------------------------------------------------------------------


class InstagramPublisher:
    platform = PLATFORM

    def __init__(
        self,
        credentials: InstagramCredentials,
        *,
        client: HttpClient | None = None,
        status_checks: int = 5,
    ) -> None:
        self.credentials = credentials
        self.http = client or meta.graph_client(credentials.version)
        self.token = {"access_token": credentials.access_token}
        self.status_checks = status_checks

    def post(
        self,
        text: str,
        *,
        image: bytes | str | None = None,
        idempotency_key: str,
        media: MediaInput = (),
        options: PostOptions | None = None,
    ) -> PublishResult:
        """A container (image, REELS video, or a CAROUSEL of item containers), polled until FINISHED, then
        ``POST /{ig-user-id}/media_publish``. Containers are made again on a retry: an unpublished one
        expires after 24 hours and is never shown."""
        files = media_of(image, media)
        if not files:
            raise Unsupported("Instagram: a post needs an image or a video (no text-only posts)")
        if any(m.url is None for m in files):
            raise Unsupported("Instagram: media must be public URLs; Instagram fetches them itself")
        if len(files) == 1:
            creation_id = self._container(files[0], caption=text)
        else:
            children = [self._container(m, carousel_item=True) for m in files]
            creation_id = self._create_container(
                {"media_type": "CAROUSEL", "children": ",".join(children), "caption": text}
            )
        self._wait_finished(creation_id)
        return self._publish(creation_id, text, idempotency_key)

    def _container(self, item: Media, *, caption: str | None = None, carousel_item: bool = False) -> str:
        fields: dict[str, str] = {}
        if item.kind == "video":
            fields = {"media_type": "VIDEO" if carousel_item else "REELS", "video_url": str(item.url)}
        else:
            fields = {"image_url": str(item.url)}
            if item.alt:
                fields["alt_text"] = item.alt
        if carousel_item:
            fields["is_carousel_item"] = "true"
        if caption is not None:
            fields["caption"] = caption
        creation_id = self._create_container(fields)
        if carousel_item and item.kind == "video":
            self._wait_finished(creation_id)
        return creation_id

    def _create_container(self, fields: dict[str, str]) -> str:
        me = self.credentials.ig_user_id
        body = self.http.post_json(f"/{me}/media", data={**self.token, **fields}, idempotent=True)
        return str(body["id"])

    def _publish(self, creation_id: str, text: str, idempotency_key: str) -> PublishResult:
        me = self.credentials.ig_user_id

        def send() -> PublishResult:
            body = self.http.post_json(
                f"/{me}/media_publish", data={**self.token, "creation_id": creation_id}
            )
            return PublishResult(PLATFORM, str(body["id"]), raw=body)

        def reconcile() -> PublishResult | None:
            if self._status(creation_id) != "PUBLISHED":
                return None
            found = self.reconcile(idempotency_key, text=text)
            if found is None:
                raise DeliveryUnknown("Instagram: container published but the media is not listed yet")
            return found

        return send_once(send, reconcile)

    def followers(self) -> int | None:
        """The account's follower count (``GET /{ig-user-id}?fields=followers_count``)."""
        row = self.http.get_json(
            f"/{self.credentials.ig_user_id}", params={**self.token, "fields": "followers_count"}
        )
        return to_int(row.get("followers_count"))

    def metrics(self, external_id: str) -> dict[str, int]:
        """Likes and comments of a media, and its insights (reach, views, shares, saved) where allowed."""
        row = self.http.get_json(
            f"/{external_id}", params={**self.token, "fields": "like_count,comments_count"}
        )
        counts = metrics_of(row, METRICS)
        try:
            body = self.http.get_json(f"/{external_id}/insights", params={**self.token, "metric": INSIGHTS})
        except PlatformError:  # no instagram_manage_insights, or a media type without these metrics
            return counts
        for entry in body.get("data") or []:
            values = entry.get("values") or [{}]
            number = to_int(values[0].get("value")) if values else None
            if number is not None and entry.get("name") in INSIGHT_NAMES:
                counts[INSIGHT_NAMES[entry["name"]]] = number
        return counts

    def _status(self, creation_id: str) -> str:
        body = self.http.get_json(f"/{creation_id}", params={**self.token, "fields": "status_code"})
        return str(body.get("status_code") or "")

    def _wait_finished(self, creation_id: str) -> None:
        for attempt in range(self.status_checks):
            status = self._status(creation_id)
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status in ("ERROR", "EXPIRED"):
                raise PlatformError(f"Instagram: container {status}", code=status)
            self.http.sleep(self.http.backoff(attempt))
        raise PlatformError("Instagram: container still IN_PROGRESS", code="IN_PROGRESS")

    def reply(self, parent_external_id: str, text: str, *, idempotency_key: str) -> PublishResult:
        """Reply to a top-level comment (replies to replies land on the top-level comment)."""

        def send() -> PublishResult:
            body = self.http.post_json(f"/{parent_external_id}/replies", data={**self.token, "message": text})
            return PublishResult(PLATFORM, str(body["id"]), raw=body)

        return send_once(
            send, lambda: self.reconcile(idempotency_key, text=text, parent_external_id=parent_external_id)
        )

    def hide(self, external_id: str) -> None:
        self.http.post_json(f"/{external_id}", data={**self.token, "hide": "true"}, idempotent=True)

    def unhide(self, external_id: str) -> None:
        """Show a hidden comment again (``POST /{ig-comment-id}`` with ``hide=false``)."""
        self.http.post_json(f"/{external_id}", data={**self.token, "hide": "false"}, idempotent=True)

    def delete(self, external_id: str) -> None:
        self.http.request("DELETE", f"/{external_id}", params=self.token, idempotent=True)

    def reconcile(
        self,
        idempotency_key: str,
        *,
        text: str,
        parent_external_id: str | None = None,
        since: datetime | None = None,
    ) -> PublishResult | None:
        """Our reply among the comment's replies, or our post among our latest media."""
        if parent_external_id:
            path, fields = f"/{parent_external_id}/replies", REPLY_FIELDS
        else:
            path, fields = f"/{self.credentials.ig_user_id}/media", MEDIA_FIELDS
        rows = self.http.get_json(path, params={**self.token, "fields": fields, "limit": 50}).get("data", [])
        for row in rows:
            author = (row.get("from") or {}).get("username") or row.get("username")
            if parent_external_id and self.credentials.username and author != self.credentials.username:
                continue
            if same_text(text, row.get("text") or row.get("caption") or ""):
                return PublishResult(PLATFORM, str(row["id"]), row.get("permalink"), reconciled=True, raw=row)
        return None


# --- platform spec -------------------------------------------------------------------------------------

C = Capability
MB = 1024 * 1024
SPEC = PlatformSpec(
    name=PLATFORM,
    label="Instagram",
    credentials=InstagramCredentials,
    credential_fields=fields_of(
        InstagramCredentials,
        hidden=("version", "host"),
        ig_user_id=N_("Instagram business account id"),
        access_token=N_("Access token"),
        username=N_("Username"),
    ),
    account_field="ig_user_id",
    probe=fetch_probe(InstagramSource),
    source=InstagramSource,
    publisher=InstagramPublisher,
    parser=meta.parse_body,
    webhook=meta.WEBHOOK,
    rate_limit=meta.rate_limit_info,
    # No text-only posts: a post needs an image URL. DELETE removes comments (the API cannot delete media).
    capabilities=frozenset(
        {
            C.READ_POSTS,
            C.READ_COMMENTS,
            C.REPLY,
            C.POST_IMAGE,
            C.POST_VIDEO,
            C.HIDE,
            C.UNHIDE,
            C.DELETE,
            C.METRICS,
            C.FOLLOWERS,
        }
    ),
    image_input=frozenset({ImageInput.URL}),
    reconcile=Reconcile.LOOKUP,
    # developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media: caption
    # at most 2,200 characters and 30 hashtags; images JPEG up to 8 MB, aspect ratio 4:5 to 1.91:1;
    # carousels up to 10 items; Reels up to 15 minutes (300 MB per ayrshare.com media guidelines).
    limits=Limits(
        text_max=2_200,
        count_text=count_chars,
        caption_max=None,
        hashtags_max=30,
        media_max=10,
        image_max_bytes=8 * MB,
        video_max_bytes=300 * MB,
        video_max_seconds=15 * 60,
        aspect_ratio=(4 / 5, 1.91),
        # Image and Reels specifications of the Content Publishing API: "Maximum width: 1440 (will be scaled
        # down)"; video codec "HEVC or H264" (developers.facebook.com/docs/instagram-platform/
        # instagram-graph-api/reference/ig-user/media#image-specifications, #reel-specifications).
        image_max_side=1440,
        video_codecs=frozenset({"h264", "hevc"}),
    ),
)
