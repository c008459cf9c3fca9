"""Video platforms: YouTube's resumable ``videos.insert`` (and resuming an interrupted upload) and TikTok's
Content Posting API (creator info, init, chunks, status); reconcile and metrics."""

from __future__ import annotations

import httpx
import pytest
import respx

from humas.connectors import tiktok, tiktok_post, youtube
from humas.connectors.base import PublishResult
from humas.connectors.errors import AuthExpired, PlatformError, Unsupported
from humas.connectors.http import HttpClient
from humas.connectors.media import Media, PostOptions
from tests.connectors.conftest import load
from tests.connectors.publish_helpers import MP4, STORE, body

API = "https://www.googleapis.com/youtube/v3"
UPLOAD = "https://www.googleapis.com/upload/youtube/v3/videos"
SESSION = "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=xa298sd_f"
YT = youtube.YouTubeCredentials(channel_id="UCxyz123abcDEF456ghiJKL", access_token="yt-token")
TIKTOK = "https://open.tiktokapis.com/v2"
TT = tiktok.TikTokCredentials(
    business_id="-000abc", access_token="biz-token", posting_token="act.posting", username="pemkotcontoh"
)


def yt(sleeper) -> youtube.YouTubePublisher:
    return youtube.YouTubePublisher(
        YT, client=HttpClient(base_url=API, error_for=youtube.error_for, sleep=sleeper)
    )


def tt(sleeper) -> tiktok.TikTokPublisher:
    client = HttpClient(base_url=TIKTOK, error_for=tiktok_post.error_for, sleep=sleeper)
    return tiktok.TikTokPublisher(TT, posting=tiktok_post.ContentPosting(TT.posting_token, client=client))


# --- YouTube -----------------------------------------------------------------------------------------


@respx.mock
def test_youtube_resumable_upload_opens_a_session_then_puts_the_bytes(sleeper):
    opened = respx.post(UPLOAD).respond(200, headers={"Location": SESSION})
    put = respx.put(SESSION).respond(200, json=load("youtube", "publish/video_inserted.json"))

    result = yt(sleeper).post(
        "Layanan KTP keliling\nHadir Sabtu ini di Kelurahan Sukajadi.",
        media=[Media("video", data=MP4, mime="video/mp4")],
        idempotency_key="publishing-variant-9",
    )

    request = opened.calls[0].request
    assert request.url.params["uploadType"] == "resumable" and request.url.params["part"] == "snippet,status"
    assert request.headers["authorization"] == "Bearer yt-token"
    assert request.headers["x-upload-content-length"] == str(len(MP4))
    assert request.headers["x-upload-content-type"] == "video/mp4"
    assert body(request) == {
        "snippet": {
            "title": "Layanan KTP keliling",
            "description": "Layanan KTP keliling\nHadir Sabtu ini di Kelurahan Sukajadi.",
            "tags": [youtube.upload_tag("publishing-variant-9")],
        },
        "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": False},
    }
    assert put.call_count == 1 and put.calls[0].request.content == MP4
    assert put.calls[0].request.headers["content-type"] == "video/mp4"
    assert result.external_id == "Ks-_Mh1QhMc" and result.url == "https://www.youtube.com/watch?v=Ks-_Mh1QhMc"


@respx.mock
def test_youtube_interrupted_upload_resumes_from_the_received_range(sleeper):
    respx.post(UPLOAD).respond(200, headers={"Location": SESSION})
    put = respx.put(SESSION)
    put.side_effect = [
        httpx.ReadTimeout("dropped"),
        httpx.Response(308, headers={"Range": "bytes=0-99"}),
        httpx.Response(201, json=load("youtube", "publish/video_inserted.json")),
    ]
    result = yt(sleeper).post("Video", media=[Media("video", data=MP4)], idempotency_key="k")
    status, rest = put.calls[1].request, put.calls[2].request
    assert status.headers["content-range"] == f"bytes */{len(MP4)}" and status.content == b""
    assert rest.headers["content-range"] == f"bytes 100-{len(MP4) - 1}/{len(MP4)}"
    assert rest.content == MP4[100:]
    assert result.external_id == "Ks-_Mh1QhMc"


@respx.mock
def test_youtube_reconcile_finds_the_upload_by_its_tag(sleeper):
    playlist = respx.get(f"{API}/playlistItems").respond(
        200, json=load("youtube", "publish/uploads_playlist.json")
    )
    video = load("youtube", "publish/video_inserted.json")
    video["snippet"]["tags"] = [youtube.upload_tag("publishing-variant-9")]
    respx.get(f"{API}/videos").respond(200, json={"kind": "youtube#videoListResponse", "items": [video]})
    opened = respx.post(UPLOAD)
    found = yt(sleeper).reconcile("publishing-variant-9", text="Video")
    assert playlist.calls[0].request.url.params["playlistId"] == "UUxyz123abcDEF456ghiJKL"
    assert found is not None and found.reconciled and found.external_id == "Ks-_Mh1QhMc"
    assert yt(sleeper).reconcile("another-key", text="Video") is None
    assert not opened.called


def test_youtube_needs_one_video(sleeper):
    with pytest.raises(Unsupported):
        yt(sleeper).post("Teks", idempotency_key="k")
    assert len(youtube.video_title("a" * 150)) == 100 and youtube.video_title("<b>Judul</b>") == "bJudul/b"


@respx.mock
def test_youtube_metrics(sleeper):
    route = respx.get(f"{API}/videos").respond(200, json=load("youtube", "videos_statistics.json"))
    counts = yt(sleeper).metrics("dQw4w9WgXcQ")
    assert route.calls[0].request.url.params["part"] == "statistics"
    assert set(counts) == {"views", "likes", "comments"} and all(isinstance(v, int) for v in counts.values())


# --- TikTok ------------------------------------------------------------------------------------------


@respx.mock
def test_tiktok_direct_post_file_upload(sleeper):
    creator = respx.post(f"{TIKTOK}/post/publish/creator_info/query/").respond(
        200, json=load("tiktok", "publish/creator_info.json")
    )
    init = respx.post(f"{TIKTOK}/post/publish/video/init/").respond(
        200, json=load("tiktok", "publish/video_init_file.json")
    )
    chunk = respx.put("https://open-upload.tiktokapis.com/video/").respond(201)
    status = respx.post(f"{TIKTOK}/post/publish/status/fetch/")
    status.side_effect = [
        httpx.Response(200, json=load("tiktok", "publish/status_processing.json")),
        httpx.Response(200, json=load("tiktok", "publish/status_complete.json")),
    ]

    result = tt(sleeper).post(
        "Layanan KTP keliling #pelayanan", media=[Media("video", data=MP4)], idempotency_key="k"
    )

    assert creator.calls[0].request.headers["authorization"] == "Bearer act.posting"
    assert init.call_count == 1
    assert body(init.calls[0].request) == {
        "post_info": {
            "title": "Layanan KTP keliling #pelayanan",
            "privacy_level": "PUBLIC_TO_EVERYONE",
            "disable_duet": False,
            "disable_comment": False,
            "disable_stitch": False,
        },
        "source_info": {
            "source": "FILE_UPLOAD",
            "video_size": len(MP4),
            "chunk_size": len(MP4),
            "total_chunk_count": 1,
        },
    }
    sent = chunk.calls[0].request
    assert sent.url.params["upload_id"] == "67890" and sent.content == MP4
    assert sent.headers["content-range"] == f"bytes 0-{len(MP4) - 1}/{len(MP4)}"
    assert sent.headers["content-type"] == "video/mp4"
    assert body(status.calls[0].request) == {"publish_id": "v_pub_file~v2-1.123456789"}
    assert result.external_id == "7304712542219750657"
    assert result.url == "https://www.tiktok.com/@pemkotcontoh/video/7304712542219750657"


@respx.mock
def test_tiktok_pull_from_url_and_a_privacy_the_creator_may_use(sleeper):
    respx.post(f"{TIKTOK}/post/publish/creator_info/query/").respond(
        200, json=load("tiktok", "publish/creator_info.json")
    )
    init = respx.post(f"{TIKTOK}/post/publish/video/init/").respond(
        200, json=load("tiktok", "publish/video_init_url.json")
    )
    respx.post(f"{TIKTOK}/post/publish/status/fetch/").respond(
        200, json=load("tiktok", "publish/status_processing.json")
    )
    pub = tt(sleeper)
    pub.posting.status_checks = 2  # type: ignore[union-attr]
    result = pub.post(
        "Video",
        media=[Media("video", url=f"{STORE}/v.mp4")],
        options=PostOptions(privacy="SELF_ONLY"),
        idempotency_key="k",
    )
    sent = body(init.calls[0].request)
    assert sent["source_info"] == {"source": "PULL_FROM_URL", "video_url": f"{STORE}/v.mp4"}
    assert sent["post_info"]["privacy_level"] == "SELF_ONLY"
    # Still in moderation: accepted under its publish id, without a link yet.
    assert result == PublishResult("tiktok", "v_pub_url~v2.123456789", None)


def test_tiktok_chunking_follows_the_media_transfer_rules():
    mb = 1024 * 1024
    assert tiktok_post.chunking(3 * mb) == (3 * mb, 1)
    assert tiktok_post.chunking(25 * mb) == (10 * mb, 2)  # the last chunk takes the trailing 5 MB
    assert tiktok_post.chunking(10 * mb) == (10 * mb, 1)


@respx.mock
def test_tiktok_large_file_goes_in_chunks(sleeper, monkeypatch):
    monkeypatch.setattr(tiktok_post, "CHUNK", 300)
    monkeypatch.setattr(tiktok_post, "MB", 100)  # files under 500 bytes go whole
    data = bytes(range(256)) * 4  # 1024 bytes: chunks 300, 300, 424
    respx.post(f"{TIKTOK}/post/publish/creator_info/query/").respond(
        200, json=load("tiktok", "publish/creator_info.json")
    )
    init = respx.post(f"{TIKTOK}/post/publish/video/init/").respond(
        200, json=load("tiktok", "publish/video_init_file.json")
    )
    chunk = respx.put("https://open-upload.tiktokapis.com/video/").mock(
        side_effect=[httpx.Response(206), httpx.Response(206), httpx.Response(201)]
    )
    respx.post(f"{TIKTOK}/post/publish/status/fetch/").respond(
        200, json=load("tiktok", "publish/status_complete.json")
    )
    tt(sleeper).post("Video", media=[Media("video", data=data)], idempotency_key="k")
    assert body(init.calls[0].request)["source_info"]["total_chunk_count"] == 3
    ranges = [c.request.headers["content-range"] for c in chunk.calls]
    assert ranges == ["bytes 0-299/1024", "bytes 300-599/1024", "bytes 600-1023/1024"]
    assert b"".join(c.request.content for c in chunk.calls) == data


@respx.mock
def test_tiktok_failed_status_and_revoked_token(sleeper):
    respx.post(f"{TIKTOK}/post/publish/creator_info/query/").respond(
        200, json=load("tiktok", "publish/creator_info.json")
    )
    respx.post(f"{TIKTOK}/post/publish/video/init/").respond(
        200, json=load("tiktok", "publish/video_init_url.json")
    )
    respx.post(f"{TIKTOK}/post/publish/status/fetch/").respond(
        200, json=load("tiktok", "publish/status_failed.json")
    )
    with pytest.raises(PlatformError, match="file_format_check_failed"):
        tt(sleeper).post("Video", media=[Media("video", url=f"{STORE}/v.mp4")], idempotency_key="k")
    respx.post(f"{TIKTOK}/post/publish/creator_info/query/").respond(
        401, json=load("tiktok", "publish/error_token_invalid.json")
    )
    with pytest.raises(AuthExpired):
        tt(sleeper).post("Video", media=[Media("video", url=f"{STORE}/v.mp4")], idempotency_key="k")


def test_tiktok_posting_needs_its_token():
    pub = tiktok.TikTokPublisher(tiktok.TikTokCredentials(business_id="-000abc", access_token="biz"))
    with pytest.raises(Unsupported, match="Content Posting"):
        pub.post("Video", media=[Media("video", url=f"{STORE}/v.mp4")], idempotency_key="k")


@respx.mock
def test_tiktok_metrics_resolve_a_publish_id(sleeper):
    respx.post(f"{TIKTOK}/post/publish/status/fetch/").respond(
        200, json=load("tiktok", "publish/status_complete.json")
    )
    query = respx.post(f"{TIKTOK}/video/query/").respond(200, json=load("tiktok", "publish/video_query.json"))
    counts = tt(sleeper).metrics("v_pub_file~v2-1.123456789")
    assert body(query.calls[0].request) == {"filters": {"video_ids": ["7304712542219750657"]}}
    assert query.calls[0].request.url.params["fields"] == tiktok_post.VIDEO_QUERY_FIELDS
    assert counts == {"likes": 230, "comments": 14, "shares": 9, "views": 5400}
