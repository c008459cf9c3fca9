"""A unit's own website on WordPress, through its REST API (``/wp-json/wp/v2``): publish articles, read back
the site's comments, answer and moderate them.

Auth is HTTP Basic with a WordPress *application password* (Users → Profile → Application Passwords, core
since 5.6), never the account's login password. Publishing: each file goes to ``POST /wp/v2/media`` as the
raw body with ``Content-Disposition: attachment; filename=…`` and its MIME type (alt text set after by
``POST /wp/v2/media/<id>``), then ``POST /wp/v2/posts`` with ``title``, ``content``, ``status``
``publish`` (or ``future`` with ``date_gmt``), ``categories``, ``tags`` and ``featured_media`` (the first
image; the others follow the text as image blocks).

Reconcile: WordPress takes no idempotency key. The article carries an invisible marker, an HTML comment
``<!-- humas:<digest of the key> -->`` at the end of its content; ``reconcile`` searches the site's posts
of any status for it (``search`` matches the raw content). A post written through the REST API is there
as soon as the call returns, so not finding the marker proves it did not land (``Reconcile.LOOKUP``).

Polling reads the site's newest published posts and approved comments (``after`` = the last one seen, in
the site's local time as WordPress compares it).
A comment's id is ``"<post id>:<comment id>"`` so an answer knows its post. Hiding a comment sets it back to
``hold`` (awaiting moderation), showing it again to ``approved``. Metrics: WordPress core counts comments
only (``X-WP-Total`` of the post's approved comments); views need a plugin and are not read.

Sources: developer.wordpress.org/rest-api/reference/posts/, /media/, /comments/, "Pagination" (X-WP-Total,
X-WP-TotalPages), "Authentication" (application passwords); fixtures in tests/connectors/fixtures/wordpress.
"""

from __future__ import annotations

import base64
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
    id_or_none,
    key_digest,
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
)
from humas.connectors.http import HttpClient, json_or_none, retry_after_seconds
from humas.connectors.media import Media, MediaInput, PostOptions, fetch_bytes, media_of
from humas.connectors.spec import (
    N_,
    Capability,
    ImageInput,
    Limits,
    PlatformSpec,
    Reconcile,
    fields_of,
    guarded,
)
from humas.connectors.textcount import count_chars

PLATFORM = "wordpress"
API = "/wp-json/wp/v2"
AUTH_CODES = frozenset({"incorrect_password", "invalid_username", "invalid_email", "rest_not_logged_in"})
TITLE_MAX = 200  # humas' own cap for a title made from the text's first line (WordPress sets none)
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class WordPressCredentials:
    site_url: str  # https://diskominfo.example.go.id (the site root; /wp-json is added)
    username: str
    application_password: str = field(repr=False)


def error_for(response: httpx.Response) -> ConnectorError | None:
    """WordPress errors: ``{"code": "rest_…", "message": "…", "data": {"status": 4xx}}``."""
    if response.status_code < 400:
        return None
    body = json_or_none(response)
    code = body.get("code") if isinstance(body, dict) else None
    said = body.get("message") if isinstance(body, dict) else None
    message = f"WordPress: {said or f'HTTP {response.status_code}'}"
    if response.status_code == 401 or code in AUTH_CODES:
        return AuthExpired(message)
    if response.status_code == 429:
        return RateLimited(retry_after_seconds(response.headers, 60.0) or 60.0, message)
    return PlatformError(message, status=response.status_code, code=code, body=body)


def _client(credentials: WordPressCredentials, client: HttpClient | None) -> HttpClient:
    secret = f"{credentials.username}:{credentials.application_password}".encode()
    auth = {"Authorization": "Basic " + base64.b64encode(secret).decode()}
    if client is None:
        base = credentials.site_url.rstrip("/") + API
        return HttpClient(base_url=base, headers=auth, error_for=error_for)
    client._client.headers.update(auth)  # a client handed in (tests) carries the same Basic auth
    return client


def marker(idempotency_key: str) -> str:
    return f"humas:{key_digest(idempotency_key)}"


# --- parsing ---------------------------------------------------------------------------------------


def plain(rendered: Any) -> str:
    """Text of a rendered HTML field (``{"rendered": "<p>…</p>"}``) with tags dropped and entities read."""
    value = rendered.get("rendered") if isinstance(rendered, dict) else rendered
    if not isinstance(value, str):
        return ""
    return html.unescape(_TAGS.sub("", value)).strip()


def _gmt(value: Any) -> datetime | None:
    """WordPress ``*_gmt`` times come without an offset: they are UTC."""
    return parse_time(value) if isinstance(value, str) else None


def post_item(row: dict[str, Any]) -> SourceItem:
    post_id = id_or_none(row.get("id"))
    if post_id is None:
        raise UnrecognisedPayload("wordpress: a post without an id")
    title, content = plain(row.get("title")), plain(row.get("content"))
    return SourceItem(
        platform=PLATFORM,
        external_id=post_id,
        kind="article",
        text="\n\n".join(part for part in (title, content) if part),
        created_at=_gmt(row.get("date_gmt")),
        author_id=id_or_none(row.get("author")),
        url=row.get("link") if isinstance(row.get("link"), str) else None,
        thread_root_id=post_id,
        raw=row,
    )


def comment_item(row: dict[str, Any]) -> SourceItem:
    comment_id, post_id = id_or_none(row.get("id")), id_or_none(row.get("post"))
    if comment_id is None or post_id is None:
        raise UnrecognisedPayload("wordpress: a comment without its id or post")
    parent = id_or_none(row.get("parent"))
    answered = f"{post_id}:{parent}" if parent and parent != "0" else post_id
    return SourceItem(
        platform=PLATFORM,
        external_id=f"{post_id}:{comment_id}",
        kind="comment" if answered == post_id else "reply",
        text=plain(row.get("content")),
        created_at=_gmt(row.get("date_gmt")),
        author_id=id_or_none(row.get("author")) if row.get("author") not in (0, "0") else None,
        author_name=row.get("author_name") if isinstance(row.get("author_name"), str) else None,
        url=row.get("link") if isinstance(row.get("link"), str) else None,
        parent_external_id=answered,
        thread_root_id=post_id,
        in_reply_to_id=answered,
        raw=row,
    )


def _parse(body: Any) -> list[SourceItem]:
    rows = body if isinstance(body, list) else [body]
    items = []
    for row in rows:
        if not isinstance(row, dict):
            raise UnrecognisedPayload("wordpress: an entry is not an object")
        if "code" in row and "message" in row and "id" not in row:
            raise ErrorPayload(f"wordpress: error answer {row.get('code')}: {row.get('message')}")
        if row.get("type") == "attachment":
            continue  # a media upload's answer names a file, not a public item
        if "post" in row and "author_name" in row:
            items.append(comment_item(row))
        elif "title" in row or row.get("type") in ("post", "page"):
            items.append(post_item(row))
        else:
            raise UnrecognisedPayload("wordpress: neither a post nor a comment")
    return items


parse_body = guarded("wordpress", _parse)


# --- source ----------------------------------------------------------------------------------------


class WordPressSource:
    platform = PLATFORM

    def __init__(
        self, credentials: WordPressCredentials, *, client: HttpClient | None = None, max_pages: int = 5
    ) -> None:
        self.credentials = credentials
        self.http = _client(credentials, client)
        self.max_pages = max_pages

    def _pages(self, path: str, params: dict[str, Any]) -> tuple[list[SourceItem], bool]:
        items: list[SourceItem] = []
        for page in range(1, self.max_pages + 1):
            response = self.http.request("GET", path, params={**params, "page": page})
            items += parse_body(response.content)
            if page >= (to_int(response.headers.get("x-wp-totalpages")) or 1):
                return items, False
        return items, True

    def fetch(self, since: Cursor = None) -> FetchResult:
        cursor = since if isinstance(since, dict) else {}
        common = {"per_page": 100, "orderby": "date", "order": "asc"}
        posts, more_posts = self._pages("/posts", {**common, **_after(cursor.get("posts"))})
        comments, more_comments = self._pages("/comments", {**common, **_after(cursor.get("comments"))})
        next_cursor = {
            "posts": _newest(posts, cursor.get("posts")),
            "comments": _newest(comments, cursor.get("comments")),
        }
        return FetchResult(posts + comments, next_cursor, has_more=more_posts or more_comments)


def _after(value: Any) -> dict[str, str]:
    return {"after": str(value)} if value else {}


def _newest(items: list[SourceItem], previous: Any) -> str | None:
    """The newest item's site-local ``date``: ``after`` compares ``post_date`` / ``comment_date``, the
    site's local time, so the cursor is kept in that time too (ISO strings of one form sort as times)."""
    dates = [str(i.raw.get("date")) for i in items if isinstance(i.raw.get("date"), str)]
    if isinstance(previous, str):
        dates.append(previous)
    return max(dates) if dates else None


# --- publisher -------------------------------------------------------------------------------------


class WordPressPublisher:
    platform = PLATFORM

    def __init__(self, credentials: WordPressCredentials, *, client: HttpClient | None = None) -> None:
        self.credentials = credentials
        self.http = _client(credentials, client)

    def post(
        self,
        text: str,
        *,
        image: bytes | str | None = None,
        idempotency_key: str,
        media: MediaInput = (),
        options: PostOptions | None = None,
    ) -> PublishResult:
        """Upload the files, then create the article (``publish``, or ``future`` with ``date_gmt``)."""
        opts = PostOptions.of(options)
        uploaded = [(item, self._upload(item)) for item in media_of(image, media)]
        title = opts.title or title_from(text)
        body = article_html(text, uploaded, marker(idempotency_key))
        payload: dict[str, Any] = {"title": title, "content": body, "status": "publish"}
        if opts.publish_at is not None and opts.publish_at > datetime.now(UTC):
            payload["status"] = "future"
            payload["date_gmt"] = opts.publish_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        if opts.categories:
            payload["categories"] = list(opts.categories)
        if opts.tags:
            payload["tags"] = list(opts.tags)
        featured = next((row["id"] for item, row in uploaded if item.kind == "image"), None)
        if featured is not None:
            payload["featured_media"] = featured

        def send() -> PublishResult:
            row = self.http.post_json("/posts", json=payload)
            return PublishResult(PLATFORM, str(row["id"]), row.get("link"), raw=row)

        return send_once(send, lambda: self.reconcile(idempotency_key, text=text))

    def _upload(self, item: Media) -> dict[str, Any]:
        """``POST /wp/v2/media``: the file as the body; an unused upload stays in the library, unseen."""
        row = self.http.post_json(
            "/media",
            content=item.content(fetch_bytes),
            headers={
                "Content-Type": item.mime_type,
                "Content-Disposition": f'attachment; filename="{_safe_name(item.name)}"',
            },
            idempotent=True,
        )
        if item.alt:
            self.http.post_json(f"/media/{row['id']}", json={"alt_text": item.alt}, idempotent=True)
        return dict(row)

    def reply(self, parent_external_id: str, text: str, *, idempotency_key: str) -> PublishResult:
        """Answer a comment ``"<post>:<comment>"`` (or comment on a post id) as the connected user."""
        post_id, _, comment_id = parent_external_id.partition(":")
        payload: dict[str, Any] = {"post": int(post_id), "content": text}
        if comment_id:
            payload["parent"] = int(comment_id)

        def send() -> PublishResult:
            row = self.http.post_json("/comments", json=payload)
            return PublishResult(PLATFORM, f"{row['post']}:{row['id']}", row.get("link"), raw=row)

        return send_once(
            send, lambda: self.reconcile(idempotency_key, text=text, parent_external_id=parent_external_id)
        )

    def _moderate(self, external_id: str, status: str) -> None:
        _, _, comment_id = external_id.partition(":")
        self.http.post_json(f"/comments/{int(comment_id)}", json={"status": status}, idempotent=True)

    def hide(self, external_id: str) -> None:
        """Take a comment off the site: back to ``hold`` (awaiting moderation); reversible."""
        self._moderate(external_id, "hold")

    def unhide(self, external_id: str) -> None:
        self._moderate(external_id, "approved")

    def delete(self, external_id: str) -> None:
        """Move an article (a post id) or a comment (``post:comment``) to the trash."""
        post_id, _, comment_id = external_id.partition(":")
        path = f"/comments/{int(comment_id)}" if comment_id else f"/posts/{int(post_id)}"
        self.http.request("DELETE", path, idempotent=True)

    def reconcile(
        self,
        idempotency_key: str,
        *,
        text: str,
        parent_external_id: str | None = None,
        since: datetime | None = None,
    ) -> PublishResult | None:
        """An article by its content marker (any status); an answer by its text among the post's comments."""
        if parent_external_id:
            return self._find_comment(parent_external_id, text)
        params = {"search": marker(idempotency_key), "status": "any", "context": "edit", "per_page": 5}
        for row in self.http.get_json("/posts", params=params):
            raw = ((row.get("content") or {}).get("raw")) or ""
            if marker(idempotency_key) in raw:
                return PublishResult(PLATFORM, str(row["id"]), row.get("link"), reconciled=True, raw=row)
        return None

    def _find_comment(self, parent_external_id: str, text: str) -> PublishResult | None:
        post_id, _, comment_id = parent_external_id.partition(":")
        params: dict[str, Any] = {"post": int(post_id), "per_page": 100, "status": "any", "context": "edit"}
        if comment_id:
            params["parent"] = int(comment_id)
        for row in self.http.get_json("/comments", params=params):
            if same_text(text, plain(row.get("content"))):
                item = comment_item(row)
                return PublishResult(PLATFORM, item.external_id, item.url, reconciled=True, raw=row)
        return None

    def metrics(self, external_id: str) -> dict[str, int]:
        """The article's approved comments (``X-WP-Total``); core WordPress counts nothing else."""
        response = self.http.request("GET", "/comments", params={"post": int(external_id), "per_page": 1})
        total = to_int(response.headers.get("x-wp-total"))
        return {"comments": total} if total is not None else {}


def title_from(text: str) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= TITLE_MAX else line[: TITLE_MAX - 1].rstrip() + "…"


def article_html(text: str, uploaded: list[tuple[Media, dict[str, Any]]], mark: str) -> str:
    """The text as escaped paragraphs, the files after the first image as blocks, then the marker."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    out = [f"<p>{html.escape(p).replace(chr(10), '<br />')}</p>" for p in paragraphs]
    first_image = True
    for item, row in uploaded:
        source = html.escape(str(row.get("source_url") or ""), quote=True)
        if item.kind == "image" and first_image:
            first_image = False  # the featured image
            continue
        if item.kind == "image":
            alt = html.escape(item.alt, quote=True)
            out.append(f'<figure class="wp-block-image"><img src="{source}" alt="{alt}" /></figure>')
        else:
            out.append(f'<figure class="wp-block-video"><video controls src="{source}"></video></figure>')
    out.append(f"<!-- {mark} -->")
    return "\n".join(out)


def _safe_name(name: str) -> str:
    """A file name for ``Content-Disposition``: no quotes, slashes or control characters."""
    cleaned = "".join(c for c in name if c.isprintable() and c not in '"\\/;')
    return cleaned or "media.jpg"


def probe(credentials: WordPressCredentials, max_wait_s: float) -> str | None:
    """``GET /wp/v2/users/me``: the application password works (the site URL names the account)."""
    http = _client(credentials, None)
    http.max_wait_s = max_wait_s
    http.get_json("/users/me", params={"context": "edit"})
    return None


# --- platform spec -------------------------------------------------------------------------------------

C = Capability
SPEC = PlatformSpec(
    name=PLATFORM,
    label="WordPress",
    credentials=WordPressCredentials,
    credential_fields=fields_of(
        WordPressCredentials,
        site_url=N_("Site address"),
        username=N_("Username"),
        application_password=N_("Application password"),
    ),
    account_field="site_url",
    probe=probe,
    source=WordPressSource,
    publisher=WordPressPublisher,
    parser=parse_body,
    webhook=None,
    rate_limit=None,  # WordPress core sends no rate-limit headers
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
        }
    ),
    image_input=frozenset({ImageInput.BYTES, ImageInput.URL}),  # a URL is read from humas' store
    reconcile=Reconcile.LOOKUP,
    # WordPress sets no length on an article: post_content is LONGTEXT and post_title TEXT (65,535 bytes)
    # in the wp_posts table (codex.wordpress.org/Database_Description#Table:_wp_posts); humas caps the text
    # at 100,000 characters and a title taken from the first line at TITLE_MAX. Files: the site's own
    # upload_max_filesize / post_max_size decide (wp_max_upload_size(), commonly 2–64 MB): not known here,
    # so no size is declared; any number of images and videos may follow the text (20 in humas' editor).
    limits=Limits(
        text_max=100_000,
        count_text=count_chars,
        caption_max=None,
        hashtags_max=None,
        media_max=20,
        image_max_bytes=None,
        video_max_bytes=None,
        video_max_seconds=None,
        aspect_ratio=None,
        image_max_side=None,
        video_codecs=None,
    ),
)
