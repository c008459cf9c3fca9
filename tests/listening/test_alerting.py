"""Alert text (Indonesian by default, English, escaped HTML); the cool-down: one incident, one alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from humas.listening.alert_text import (
    Alert,
    AlertKind,
    Firing,
    group_firings,
    group_key,
    render_alert,
    safe_url,
    should_send,
)

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 09:00 WIB


def alert(**kw) -> Alert:
    base = {
        "kind": AlertKind.SPIKE,
        "subject": "KPPN Bandung",
        "occurred_at": NOW,
        "value": 90,
        "expected": 30,
    }
    return Alert(**{**base, **kw})


def test_indonesian_by_default_english_on_request():
    id_ = render_alert(alert())
    en = render_alert(alert(), locale="en")
    assert id_.subject == "Lonjakan sebutan: KPPN Bandung" and id_.locale == "id"
    assert "90 sebutan pada jam 2026-11-24 09:00 WIB" in id_.text and "(3,0×)" in id_.text
    assert en.subject == "Spike in mentions: KPPN Bandung"
    assert "about 30 expected (3.0×)" in en.text


def test_every_kind_renders():
    kinds = {
        AlertKind.NEGATIVE_SHARE: ("Sentimen negatif", {"value": 0.42, "expected": 0.12}),
        AlertKind.KEYWORD: ("Kata kunci yang dipantau muncul: hoaks", {"keyword": "hoaks"}),
        AlertKind.NARRATIVE: ("Narasi membesar", {"value": 120}),
    }
    for kind, (needle, extra) in kinds.items():
        rendered = render_alert(alert(kind=kind, **extra))
        assert needle in rendered.subject
    assert "42,0%" in render_alert(alert(kind=AlertKind.NEGATIVE_SHARE, value=0.42, expected=0.12)).text


def test_public_text_is_escaped_and_headers_stay_one_line():
    hostile = alert(
        subject="Unit <img src=x onerror=alert(1)>\r\nBcc: victim@example.com",
        keyword="<b>",
        examples=("<script>steal()</script>", "  "),
        keyphrases=("a&b",),
        url="javascript:alert(1)",
    )
    rendered = render_alert(hostile)
    assert "\n" not in rendered.subject and "\r" not in rendered.subject
    assert "<script>" not in rendered.html and "<img" not in rendered.html
    assert "&lt;script&gt;steal()&lt;/script&gt;" in rendered.html and "a&amp;b" in rendered.html
    assert "javascript:" not in rendered.html and "javascript:" not in rendered.text
    assert rendered.text.count("\n- ") == 1  # the blank example is dropped


def test_safe_url():
    assert safe_url("https://humas.go.id/x") == "https://humas.go.id/x"
    assert safe_url("data:text/html,hi") is None and safe_url("//evil") is None and safe_url(None) is None


def test_group_key_is_stable_per_incident():
    a = group_key(rule_id=1, kind=AlertKind.KEYWORD, scope="query:5", detail="Hoaks")
    assert a == group_key(rule_id=1, kind="keyword", scope="query:5", detail=" hoaks ")
    assert a != group_key(rule_id=1, kind=AlertKind.KEYWORD, scope="query:5", detail="bocor")
    assert a != group_key(rule_id=2, kind=AlertKind.KEYWORD, scope="query:5", detail="hoaks")


def test_should_send_after_cooldown():
    hour = timedelta(hours=1)
    assert should_send(None, NOW, hour)
    assert not should_send(NOW - timedelta(minutes=59), NOW, hour)
    assert should_send(NOW - hour, NOW, hour)


def test_one_incident_one_alert():
    key = group_key(rule_id=1, kind=AlertKind.SPIKE, scope="unit:3")
    other = group_key(rule_id=1, kind=AlertKind.SPIKE, scope="unit:4")
    firings = [Firing(key, NOW + timedelta(minutes=m), alert()) for m in (0, 10, 20, 50, 130)]
    firings.append(Firing(other, NOW + timedelta(minutes=5), alert(subject="KPPN Garut")))
    send, suppressed = group_firings(firings, last_sent={}, cooldown=timedelta(hours=2))
    assert [(f.key, f.at) for f in send] == [
        (key, NOW),
        (other, NOW + timedelta(minutes=5)),
        (key, firings[4].at),
    ]
    assert len(suppressed) == 3
    assert send[2].alert.count == 4  # three suppressed firings and itself
    assert "Terpicu 4 kali" in render_alert(send[2].alert).text
    send, _ = group_firings(
        firings[:1], last_sent={key: NOW - timedelta(minutes=30)}, cooldown=timedelta(hours=2)
    )
    assert send == []
