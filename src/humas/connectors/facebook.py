"""Facebook Pages through the Graph API: page feed and comments; post, reply, hide and delete comments.

Polling reads ``/{page-id}/feed`` and ``/{post-id}/comments?filter=stream`` (replies come flat with a
``parent``); the page ``feed`` webhook pushes the same changes. No idempotency key exists for
``POST /{page-id}/feed``: ``reconcile`` looks for the text among the page's recent posts or the comments.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from humas.connectors import meta
from humas.connectors.base import (
    Cursor,
    FetchResult,
    PublishResult,
    SourceItem,
    as_dict,
    id_or_none,
    parse_time,
    same_text,
    send_once,
    to_int,
)
from humas.connectors.errors import UnrecognisedPayload, Unsupported
from humas.connectors.http import HttpClient
from humas.connectors.media import (
    Media,
    MediaInput,
    PostOptions,
    fetch_bytes,
    first_link,
    media_of,
    split_kinds,
)
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

PLATFORM = "facebook"
POST_METRIC_FIELDS = "reactions.summary(total_count),comments.summary(total_count),shares"
FEED_FIELDS = (
    "id,message,story,created_time,permalink_url,from,shares,"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
)
COMMENT_FIELDS = "id,message,created_time,from,parent{id},like_count,comment_count,permalink_url"
COMMENT_MARKERS = ("like_count", "comment_count", "can_hide", "is_hidden", "attachment", "parent")
# Words in a comment attachment's ``type`` (photo, sticker, animated_image_share, video_inline ...) -> kind.
ATTACHMENT_KINDS = (("sticker", "sticker"), ("video", "video"), ("photo", "image"), ("image", "image"))
_COMMENT_NUMBER = re.compile(r"\d+(?:_\d+)?")
_POST_IN_PATH = re.compile(r"/(?:posts|videos|permalink)/(\d+)")
_PAGE_POST_IN_PATH = re.compile(r"^/(\d+)/(?:posts|videos)/(\d+)")


@dataclass(frozen=True)
class FacebookCredentials:
    page_id: str
    page_access_token: str = field(repr=False)
    version: str = meta.DEFAULT_VERSION


# --- parsing ---------------------------------------------------------------------------------------


def _summary_count(row: dict[str, Any], name: str) -> int | None:
    return to_int(((row.get(name) or {}).get("summary") or {}).get("total_count"))


def _query_value(url: str, name: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(name) or []
    value = values[0].strip() if values else ""
    return value if _COMMENT_NUMBER.fullmatch(value) else None


def ids_from_permalink(url: Any, post_id: str | None = None) -> tuple[str, str | None] | None:
    """``(comment id, parent comment id)`` from a comment's ``permalink_url``, or ``None`` without one.

    Lists read with Page Public Content Access carry no ``id`` (Graph API v11.0+); the permalink still names
    the comment (``?comment_id=``) and, for a reply, the reply (``&reply_comment_id=``). Graph comment ids are
    ``{post object id}_{comment number}``: the post part comes from ``post_id`` or from the permalink's path.
    """
    if not isinstance(url, str):
        return None
    top, reply = _query_value(url, "comment_id"), _query_value(url, "reply_comment_id")
    if top is None:
        return None
    found = _POST_IN_PATH.search(urlsplit(url).path)
    post_part = post_id.rsplit("_", 1)[-1] if post_id else (found.group(1) if found else None)
    post_part = post_part or _query_value(url, "story_fbid")

    def full(number: str) -> str:
        return number if "_" in number or not post_part else f"{post_part}_{number}"

    return (full(reply), full(top)) if reply else (full(top), None)


def post_from_permalink(url: Any) -> str | None:
    """The full post id (``{page id}_{post id}``) of a comment permalink under a numeric page path."""
    found = _PAGE_POST_IN_PATH.search(urlsplit(url).path) if isinstance(url, str) else None
    return f"{found.group(1)}_{found.group(2)}" if found else None


def _row_ids(row: dict[str, Any], post_id: str | None) -> tuple[str, str | None]:
    if "id" in row:
        return str(row["id"]), None
    derived = ids_from_permalink(row.get("permalink_url"), post_id)
    if derived is None:
        raise UnrecognisedPayload("Facebook: a row has no 'id' and no permalink_url with comment_id")
    return derived


def _attachment(row: dict[str, Any]) -> tuple[str | None, str | None]:
    """A comment's ``attachment`` (photo, sticker, GIF, video): its kind and media URL."""
    attachment = row.get("attachment")
    if not isinstance(attachment, dict):
        return None, None
    kind_name = str(attachment.get("type") or "")
    kind = next((k for word, k in ATTACHMENT_KINDS if word in kind_name), "other")
    image = ((attachment.get("media") or {}).get("image") or {}).get("src")
    target = (attachment.get("target") or {}).get("id")
    return kind, id_or_none(image) or id_or_none(attachment.get("url")) or id_or_none(target)


def graph_item(
    row: dict[str, Any],
    *,
    kind: str | None = None,
    post_id: str | None = None,
    parent_id: str | None = None,
) -> SourceItem:
    """One feed post or comment row; ``kind`` is guessed from the fields when not given.

    ``parent_id`` is the comment a nested reply sits under when the row itself names no ``parent``.
    """
    row_id, permalink_parent = _row_ids(row, post_id)
    if kind is None:
        derived = "id" not in row
        kind = "comment" if derived or any(k in row for k in COMMENT_MARKERS) else "post"
    root = row_id if kind == "post" else post_id or post_from_permalink(row.get("permalink_url"))
    if "id" not in row:  # a list without ids: its permalinks name the post too
        post_id = root
    parent_id = (row.get("parent") or {}).get("id") or permalink_parent or parent_id
    if parent_id:
        kind = "reply"
    metrics: dict[str, int] = {}
    for name, value in (
        ("reactions", _summary_count(row, "reactions")),
        ("comments", _summary_count(row, "comments")),
        ("shares", to_int((row.get("shares") or {}).get("count"))),
        ("likes", to_int(row.get("like_count"))),
        ("replies", to_int(row.get("comment_count"))),
    ):
        if value is not None:
            metrics[name] = value
    author = row.get("from") or {}
    media_kind, media_ref = _attachment(row)
    return SourceItem(
        platform=PLATFORM,
        external_id=row_id,
        kind=kind,
        text=row.get("message") or row.get("story") or "",
        created_at=parse_time(row.get("created_time")),
        author_id=str(author["id"]) if author.get("id") else None,
        author_name=author.get("name"),
        url=row.get("permalink_url") or f"https://www.facebook.com/{row_id}",
        parent_external_id=parent_id or (post_id if kind == "comment" else None),
        thread_external_id=post_id if kind != "post" else row_id,
        metrics=metrics,
        raw=row,
        thread_root_id=root,
        in_reply_to_id=parent_id or (post_id if kind == "comment" else None),
        media_kind=media_kind,
        media_ref=media_ref,
    )


def _with_nested(
    row: dict[str, Any], *, post_id: str | None = None, kind: str | None = None, depth: int = 0
) -> list[SourceItem]:
    """A row and the comments nested in it (``comments{...}`` on a post, and on a comment its replies)."""
    item = graph_item(row, kind=kind, post_id=post_id)
    out = [item]
    nested = row.get("comments")
    children = nested.get("data") if isinstance(nested, dict) else None
    if not isinstance(children, list) or depth >= 2:
        return out
    is_post = item.kind == "post"
    for child in children:
        if not isinstance(child, dict):
            raise UnrecognisedPayload("Facebook: a nested comment is not an object")
        child_post = item.external_id if is_post else post_id
        if is_post:
            out += _with_nested(child, post_id=child_post, kind="comment", depth=depth + 1)
        else:  # a reply under a comment: Facebook threads are two levels deep
            reply = graph_item(child, kind="comment", post_id=child_post, parent_id=item.external_id)
            out.append(reply)
    return out


def parse_graph(body: Any) -> list[SourceItem]:
    """A feed or comments page, a single post or comment, or a write acknowledgement."""
    body = as_dict(body)
    if not isinstance(body, dict):
        raise UnrecognisedPayload("Facebook: expected a JSON object")
    if set(body) <= {"id", "post_id", "success"} and body:
        return []  # {"id": ...} after a post, {"success": true} after hide/delete
    if set(body) <= {"id", "followers_count", "fan_count"} and "followers_count" in body:
        return []  # a node's follower count (``followers``)
    rows = body.get("data") if "data" in body else [body]
    if not isinstance(rows, list) or not all(
        isinstance(r, dict) and ("id" in r or "permalink_url" in r) for r in rows
    ):
        raise UnrecognisedPayload("Facebook: 'data' is not a list of objects")
    if rows and not all("created_time" in r for r in rows):
        raise UnrecognisedPayload("Facebook: rows without 'created_time'")
    return [item for row in rows for item in _with_nested(row)]


def parse_webhook(body: Any) -> list[SourceItem]:
    """Page ``feed`` changes: new posts and comments (``verb`` add or edited); reactions are skipped."""
    obj, changes = meta.webhook_changes(body)
    if obj != "page":
        raise UnrecognisedPayload(f"Facebook: webhook object {obj!r}")
    items: list[SourceItem] = []
    for page_id, field_name, value in changes:
        if field_name != "feed" or value.get("verb") not in ("add", "edited"):
            continue
        item = value.get("item")
        if item not in ("comment", "post", "status", "photo", "video", "share"):
            continue
        author = value.get("from") or {}
        is_comment = item == "comment"
        post_id = value.get("post_id")
        parent = value.get("parent_id")
        external_id = str(value.get("comment_id") if is_comment else post_id)
        kind = "post" if not is_comment else ("comment" if parent in (None, post_id) else "reply")
        items.append(
            SourceItem(
                platform=PLATFORM,
                external_id=external_id,
                kind=kind,
                text=value.get("message") or "",
                created_at=parse_time(value.get("created_time")),
                author_id=str(author["id"]) if author.get("id") else None,
                author_name=author.get("name"),
                url=f"https://www.facebook.com/{external_id}",
                parent_external_id=(parent or post_id) if is_comment else None,
                thread_external_id=post_id,
                channel_external_id=page_id,
                raw=value,
                thread_root_id=id_or_none(post_id),
                in_reply_to_id=id_or_none(parent or post_id) if is_comment else None,
                media_kind="image" if id_or_none(value.get("photo")) else None,
                media_ref=id_or_none(value.get("photo")),
            )
        )
    return items


# --- source ----------------------------------------------------------------------------------------


class FacebookSource:
    """Polls the page feed, then the comments of the newest posts (the ``watch`` list in the cursor)."""

    platform = PLATFORM

    def __init__(
        self, credentials: FacebookCredentials, *, client: HttpClient | None = None, watch: int = 20
    ) -> None:
        self.credentials = credentials
        self.http = client or meta.graph_client(credentials.version)
        self.watch = watch

    def fetch(self, since: Cursor = None) -> FetchResult:
        state = dict(since) if isinstance(since, dict) else {}
        token = {"access_token": self.credentials.page_access_token}
        params = {**token, "fields": FEED_FIELDS, "limit": 100}
        if state.get("since"):
            params["since"] = state["since"]
        rows, more = meta.follow_pages(self.http, f"/{self.credentials.page_id}/feed", params)
        items = [graph_item(r, kind="post") for r in rows]
        watch = list(dict.fromkeys([i.external_id for i in items] + list(state.get("watch", []))))
        watch = watch[: self.watch]
        comments_since = parse_time(state.get("comments_since"))
        for post_id in watch:
            cparams = {**token, "fields": COMMENT_FIELDS, "filter": "stream", "limit": 100}
            if state.get("comments_since"):
                cparams["since"] = state["comments_since"]
            crows, cmore = meta.follow_pages(self.http, f"/{post_id}/comments", cparams)
            more |= cmore
            for row in crows:
                item = graph_item(row, kind="comment", post_id=post_id)
                if comments_since is None or (item.created_at and item.created_at > comments_since):
                    items.append(item)
        newest = _newest(items, "post", state.get("since"))
        newest_comment = _newest(items, None, state.get("comments_since"))
        cursor = {"since": newest, "comments_since": newest_comment, "watch": watch}
        return FetchResult(items=items, cursor=cursor, has_more=more)


def _newest(items: list[SourceItem], kind: str | None, previous: Any) -> int | None:
    times = [
        int(i.created_at.timestamp())
        for i in items
        if i.created_at and (i.kind == kind if kind else i.kind != "post")
    ]
    candidates = times + ([int(previous)] if previous else [])
    return max(candidates) if candidates else None


# --- publisher -------------------------------------------------------------------------------------


class FacebookPublisher:
    platform = PLATFORM

    def __init__(self, credentials: FacebookCredentials, *, client: HttpClient | None = None) -> None:
        self.credentials = credentials
        self.http = client or meta.graph_client(credentials.version)
        self.token = {"access_token": credentials.page_access_token}

    def post(
        self,
        text: str,
        *,
        image: bytes | str | None = None,
        idempotency_key: str,
        media: MediaInput = (),
        options: PostOptions | None = None,
    ) -> PublishResult:
        """Text (with the first link as ``link``, for its preview card) to ``/feed``; one photo to ``/photos``
        (``url`` or multipart ``source``, ``caption``); several photos uploaded unpublished, then one
        ``/feed`` post with ``attached_media``; one video to ``/videos`` (``file_url``, ``description``)."""
        files = media_of(image, media)
        images, videos = split_kinds(files)
        if videos and (len(files) > 1 or videos[0].url is None):
            raise Unsupported("Facebook: a video is posted alone, by its public URL")
        since = datetime.now(UTC) - timedelta(minutes=5)
        page = self.credentials.page_id

        def send() -> PublishResult:
            if videos:
                body = self.http.post_json(
                    f"/{page}/videos",
                    data={**self.token, "file_url": str(videos[0].url), "description": text},
                )
            elif len(images) == 1:
                body = self._photo(images[0], {"caption": text})
            else:
                data = {**self.token, "message": text}
                for number, item in enumerate(images):
                    photo = self._photo(item, {"published": "false"}, idempotent=True)
                    data[f"attached_media[{number}]"] = json.dumps({"media_fbid": str(photo["id"])})
                link = first_link(text)
                if not images and link:
                    data["link"] = link
                body = self.http.post_json(f"/{page}/feed", data=data)
            post_id = str(body.get("post_id") or body["id"])
            return PublishResult(PLATFORM, post_id, f"https://www.facebook.com/{post_id}", raw=body)

        return send_once(send, lambda: self.reconcile(idempotency_key, text=text, since=since))

    def _photo(self, item: Media, fields: dict[str, str], *, idempotent: bool = False) -> dict[str, Any]:
        """``POST /{page-id}/photos`` by ``url`` (Facebook fetches it) or with the bytes as ``source``."""
        path = f"/{self.credentials.page_id}/photos"
        if item.url is not None and item.data is None:
            return dict(
                self.http.post_json(
                    path, data={**self.token, **fields, "url": item.url}, idempotent=idempotent
                )
            )
        return dict(
            self.http.post_json(
                path,
                data={**self.token, **fields},
                files={"source": (item.name, item.content(fetch_bytes), item.mime_type)},
                idempotent=idempotent,
            )
        )

    def metrics(self, external_id: str) -> dict[str, int]:
        """Reactions, comments and shares of a Page post (summaries of its edges, ``shares.count``)."""
        row = self.http.get_json(f"/{external_id}", params={**self.token, "fields": POST_METRIC_FIELDS})
        counts = {
            "likes": _summary_count(row, "reactions"),
            "comments": _summary_count(row, "comments"),
            "shares": to_int((row.get("shares") or {}).get("count")) or 0,  # left out while none
        }
        return {name: value for name, value in counts.items() if value is not None}

    def followers(self) -> int | None:
        """The Page's follower count (``GET /{page-id}?fields=followers_count``)."""
        row = self.http.get_json(
            f"/{self.credentials.page_id}", params={**self.token, "fields": "followers_count"}
        )
        return to_int(row.get("followers_count"))

    def reply(self, parent_external_id: str, text: str, *, idempotency_key: str) -> PublishResult:
        def send() -> PublishResult:
            body = self.http.post_json(
                f"/{parent_external_id}/comments", data={**self.token, "message": text}
            )
            return PublishResult(
                PLATFORM, str(body["id"]), f"https://www.facebook.com/{body['id']}", raw=body
            )

        return send_once(
            send, lambda: self.reconcile(idempotency_key, text=text, parent_external_id=parent_external_id)
        )

    def hide(self, external_id: str) -> None:
        """Hide a comment: visible to its author and friends only (``is_hidden=true``)."""
        self.http.post_json(f"/{external_id}", data={**self.token, "is_hidden": "true"}, idempotent=True)

    def unhide(self, external_id: str) -> None:
        """Show a hidden comment to everyone again (``is_hidden=false``)."""
        self.http.post_json(f"/{external_id}", data={**self.token, "is_hidden": "false"}, idempotent=True)

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
        """Find our post among the page's recent posts, or our reply among the parent's comments."""
        if parent_external_id:
            path = f"/{parent_external_id}/comments"
            params = {**self.token, "fields": COMMENT_FIELDS, "order": "reverse_chronological", "limit": 50}
        else:
            path = f"/{self.credentials.page_id}/feed"
            params = {**self.token, "fields": FEED_FIELDS, "limit": 25}
            if since:
                params["since"] = int(since.timestamp())
        for row in self.http.get_json(path, params=params).get("data", []):
            author = (row.get("from") or {}).get("id")
            if parent_external_id and author != self.credentials.page_id:
                continue
            if same_text(text, row.get("message") or ""):
                url = row.get("permalink_url") or f"https://www.facebook.com/{row['id']}"
                return PublishResult(PLATFORM, str(row["id"]), url, reconciled=True, raw=row)
        return None


# --- platform spec -------------------------------------------------------------------------------------

C = Capability
MB = 1024 * 1024
SPEC = PlatformSpec(
    name=PLATFORM,
    label="Facebook Page",
    credentials=FacebookCredentials,
    credential_fields=fields_of(
        FacebookCredentials,
        hidden=("version",),
        page_id=N_("Page id"),
        page_access_token=N_("Page access token"),
    ),
    account_field="page_id",
    probe=fetch_probe(FacebookSource),
    source=FacebookSource,
    publisher=FacebookPublisher,
    parser=meta.parse_body,
    webhook=meta.WEBHOOK,
    rate_limit=meta.rate_limit_info,
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
    image_input=frozenset({ImageInput.BYTES, ImageInput.URL}),
    reconcile=Reconcile.LOOKUP,
    # Text: 63,206 characters per post (docs.upload-post.com/resources/character-limits, and Facebook's own
    # composer). Media: a feed post takes up to 10 photos or one video; photos at most 10 MB
    # (developers.facebook.com/docs/page-stories-api photo specification; ayrshare.com media guidelines for
    # Facebook Pages), videos up to 10 GB and 4 hours (ayrshare.com media guidelines).
    limits=Limits(
        text_max=63_206,
        count_text=count_chars,
        caption_max=None,
        hashtags_max=None,
        media_max=10,
        image_max_bytes=10 * MB,
        video_max_bytes=10 * 1024 * MB,
        video_max_seconds=4 * 3600,
        aspect_ratio=None,
        image_max_side=None,
        video_codecs=None,
    ),
)
