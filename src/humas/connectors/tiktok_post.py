"""TikTok's Content Posting API (direct post of a video), beside the Business API the comments use.

A different API with its own token: ``https://open.tiktokapis.com/v2``, ``Authorization: Bearer`` of a user
token with the ``video.publish`` scope (Login Kit), answers shaped ``{"data": {...}, "error": {"code": "ok",
"message": "", "log_id": "…"}}``. A post is: ``creator_info/query`` (the privacy levels this creator may
use, which TikTok requires an app to offer), ``video/init`` with ``post_info`` and ``source_info``
(``FILE_UPLOAD`` with the chunking, or ``PULL_FROM_URL`` from a domain verified with TikTok), the chunks
PUT to the returned ``upload_url`` with ``Content-Range``, then ``status/fetch`` until ``PUBLISH_COMPLETE``
(the public post id comes after moderation) or ``FAILED``. Sources: developers.tiktok.com
content-posting-api-reference-direct-post, -media-transfer-guide, -reference-get-video-status,
display-api video/query.
"""

from __future__ import annotations

from typing import Any

import httpx

from humas.connectors.base import PublishResult, metrics_of
from humas.connectors.errors import AuthExpired, ConnectorError, PlatformError, RateLimited, Unsupported
from humas.connectors.http import HttpClient, json_or_none, retry_after_seconds
from humas.connectors.media import Media, fetch_bytes

POSTING_API = "https://open.tiktokapis.com/v2"
AUTH_ERRORS = frozenset(
    {"access_token_invalid", "scope_not_authorized", "token_not_authorized_for_specified_deployment"}
)
THROTTLE_ERRORS = frozenset(
    {"rate_limit_exceeded", "spam_risk_too_many_posts", "spam_risk_too_many_pending_share"}
)
MB = 1024 * 1024
CHUNK = 10 * MB  # each chunk 5–64 MB; a file under 5 MB goes whole (media transfer guide)
DONE, FAILED = "PUBLISH_COMPLETE", "FAILED"
VIDEO_QUERY_FIELDS = "id,share_url,like_count,comment_count,share_count,view_count"
VIDEO_METRICS = {
    "like_count": "likes",
    "comment_count": "comments",
    "share_count": "shares",
    "view_count": "views",
}
PUBLISH_PREFIX = "v_pub_"


def error_for(response: httpx.Response) -> ConnectorError | None:
    body = json_or_none(response)
    error = (body.get("error") or {}) if isinstance(body, dict) else {}
    code = error.get("code")
    if response.status_code < 400 and code in (None, "ok"):
        return None
    message = f"TikTok: {error.get('message') or code or f'HTTP {response.status_code}'}"
    if response.status_code == 401 or code in AUTH_ERRORS:
        return AuthExpired(message)
    if response.status_code == 429 or code in THROTTLE_ERRORS:
        return RateLimited(retry_after_seconds(response.headers, 60.0) or 60.0, message)
    status = response.status_code if response.status_code >= 400 else 400
    return PlatformError(message, status=status, code=code, body=body)


def chunking(size: int) -> tuple[int, int]:
    """``(chunk_size, total_chunk_count)``: whole under 5 MB, else 10 MB chunks, the last one taking the
    trailing bytes (count = size // chunk_size, rounded down, as the guide requires)."""
    if size < 5 * MB:
        return size, 1
    return CHUNK, max(1, size // CHUNK)


class ContentPosting:
    """Direct post of one video with a user token (``video.publish``)."""

    def __init__(self, token: str, *, client: HttpClient | None = None, status_checks: int = 10) -> None:
        self.http = client or HttpClient(base_url=POSTING_API, error_for=error_for)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=UTF-8"}
        self.status_checks = status_checks

    def _call(self, path: str, payload: dict[str, Any], *, idempotent: bool = True) -> dict[str, Any]:
        body = self.http.post_json(path, json=payload, headers=self.headers, idempotent=idempotent)
        return dict(body.get("data") or {})

    def privacy_level(self, wanted: str | None) -> str:
        """The wanted level if the creator may use it, else public where allowed, else the first offered."""
        options = self._call("/post/publish/creator_info/query/", {}).get("privacy_level_options") or []
        for level in (wanted, "PUBLIC_TO_EVERYONE"):
            if level and level in options:
                return str(level)
        if not options:
            raise PlatformError("TikTok: the creator can post with no privacy level now", code="no_privacy")
        return str(options[0])

    def post(self, video: Media, *, title: str, privacy: str | None) -> PublishResult:
        post_info = {
            "title": title,
            "privacy_level": self.privacy_level(privacy),
            "disable_duet": False,
            "disable_comment": False,
            "disable_stitch": False,
        }
        source: dict[str, Any]
        if video.data is None and video.url is not None:
            source = {"source": "PULL_FROM_URL", "video_url": video.url}
            data = b""
        else:
            data = video.content(fetch_bytes)
            chunk_size, count = chunking(len(data))
            source = {
                "source": "FILE_UPLOAD",
                "video_size": len(data),
                "chunk_size": chunk_size,
                "total_chunk_count": count,
            }
        # NOTE: init is the write that creates the post: no idempotency key exists, so it is not retried
        # after a timeout (DeliveryUnknown reaches the outbox, whose reconcile for TikTok is NONE).
        init = self._call(
            "/post/publish/video/init/", {"post_info": post_info, "source_info": source}, idempotent=False
        )
        publish_id = str(init["publish_id"])
        if source["source"] == "FILE_UPLOAD":
            self._upload(str(init["upload_url"]), data, video.mime_type)
        return self._result(publish_id)

    def _upload(self, upload_url: str, data: bytes, mime: str) -> None:
        chunk_size, count = chunking(len(data))
        for number in range(count):
            start = number * chunk_size
            end = len(data) if number == count - 1 else start + chunk_size
            self.http.request(
                "PUT",
                upload_url,
                content=data[start:end],
                headers={
                    "Content-Type": mime,
                    "Content-Length": str(end - start),
                    "Content-Range": f"bytes {start}-{end - 1}/{len(data)}",
                },
                idempotent=True,  # a chunk sent again replaces the same byte range
            )

    def status(self, publish_id: str) -> dict[str, Any]:
        return self._call("/post/publish/status/fetch/", {"publish_id": publish_id})

    def _result(self, publish_id: str) -> PublishResult:
        """Poll the status; the post's public id once moderation published it, else the publish id (the
        post is accepted; ``metrics`` resolves the id later)."""
        status: dict[str, Any] = {}
        for attempt in range(self.status_checks):
            status = self.status(publish_id)
            if status.get("status") == FAILED:
                raise PlatformError(
                    f"TikTok: {status.get('fail_reason') or 'publishing failed'}", code=FAILED
                )
            if status.get("status") == DONE and public_id(status):
                break
            self.http.sleep(self.http.backoff(attempt))
        post_id = public_id(status)
        if post_id is None:
            return PublishResult("tiktok", publish_id, raw=status)
        return PublishResult("tiktok", post_id, raw=status)

    def metrics(self, external_id: str) -> dict[str, int]:
        """Counts of a posted video (Display API ``video/query``); a publish id is resolved first."""
        if external_id.startswith(PUBLISH_PREFIX):
            resolved = public_id(self.status(external_id))
            if resolved is None:
                return {}
            external_id = resolved
        body = self.http.post_json(
            "/video/query/",
            params={"fields": VIDEO_QUERY_FIELDS},
            json={"filters": {"video_ids": [external_id]}},
            headers=self.headers,
            idempotent=True,
        )
        videos = (body.get("data") or {}).get("videos") or [{}]
        return metrics_of(videos[0], VIDEO_METRICS)


def public_id(status: dict[str, Any]) -> str | None:
    """The first public post id (documented as a list; some answers carry a single value)."""
    ids = status.get("publicaly_available_post_id")  # NOTE: TikTok's own spelling
    if isinstance(ids, list):
        ids = ids[0] if ids else None
    return str(ids) if ids not in (None, "") else None


def require_video(files: list[Media]) -> Media:
    videos = [m for m in files if m.kind == "video"]
    if len(videos) != 1 or len(files) != 1:
        raise Unsupported("TikTok: a post is one video")
    return videos[0]
