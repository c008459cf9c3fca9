"""How to make an object of each kind in a *sibling* unit, for the isolation test (test_isolation.py).

Every path parameter named `..._id` in a page or API route needs a factory here. A new route with a new kind
of id fails the isolation test until its factory is registered:

    @register("mention_id")
    def _mention(session, unit):            # unit: a unit the acting user must NOT see
        return make_mention(session, unit=unit).id
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from sqlalchemy.orm import Session

from humas.org import auth as auth_service
from humas.org.models import Unit
from tests.factories import make_unit, make_user

IdFactory = Callable[[Session, Unit], int]
ID_FACTORIES: dict[str, IdFactory] = {}


def register(param: str) -> Callable[[IdFactory], IdFactory]:
    def decorator(fn: IdFactory) -> IdFactory:
        ID_FACTORIES[param] = fn
        return fn

    return decorator


@register("unit_id")
def _unit(session: Session, unit: Unit) -> int:
    return make_unit(session, parent=unit).id


@register("user_id")
def _user(session: Session, unit: Unit) -> int:
    return make_user(session, unit=unit, roles=("drafter",)).id


@register("token_id")
def _token(session: Session, unit: Unit) -> int:
    owner = make_user(session, unit=unit, roles=("admin",))
    token, _secret = auth_service.create_api_token(
        session, user=owner, unit=unit, role="admin", name="t", actor=owner
    )
    return token.id


@register("mention_id")
def _mention(session: Session, unit: Unit) -> int:
    from humas.ingest.service import pipeline
    from tests.ingest.helpers import fake_analyze, item

    return pipeline.ingest_items(
        session, [item("sebuah mention")], unit=unit, analyzer=fake_analyze
    ).added_ids[0]


_channel_seq = itertools.count(1)


@register("channel_id")
def _channel(session: Session, unit: Unit) -> int:
    from humas.channels.models import Channel

    # No credentials needed: every channel route refuses a foreign id before decrypting anything.
    channel = Channel(
        unit_id=unit.id,
        platform="telegram",
        name="Kanal Tetangga",
        account_external_id=f"t-{next(_channel_seq)}",
        credentials_encrypted="",
    )
    session.add(channel)
    session.flush()
    return channel.id


@register("narrative_id")
def _narrative(session: Session, unit: Unit) -> int:
    from humas.core.time import utcnow
    from humas.listening.models import Narrative

    narrative = Narrative(
        unit_id=unit.id, representative_text="klaim tetangga", first_seen_at=utcnow(), last_seen_at=utcnow()
    )
    session.add(narrative)
    session.flush()
    return narrative.id


@register("delivery_id")
def _delivery(session: Session, unit: Unit) -> int:
    from humas.core.time import utcnow
    from humas.listening.models import AlertEvent, AlertRule
    from humas.outbox.models import OutboxMessage

    rule = AlertRule(unit_id=unit.id, name="tetangga", kind="keyword", keyword="x")
    session.add(rule)
    session.flush()
    event = AlertEvent(
        rule_id=rule.id,
        unit_id=unit.id,
        group_key="k",
        kind="keyword",
        occurred_at=utcnow(),
        subject="s",
        text="t",
    )
    session.add(event)
    session.flush()
    delivery = OutboxMessage(
        kind="alert.webhook",
        owner_type="alert_event",
        owner_id=event.id,
        target="https://x",
        status="failed",
        idempotency_key=f"k-{event.id}",
    )
    session.add(delivery)
    session.flush()
    return delivery.id


@register("message_id")
def _write(session: Session, unit: Unit) -> int:
    from humas.outbox.models import OutboxMessage

    channel_id = _channel(session, unit)
    write = OutboxMessage(
        kind="channel.post",
        owner_type="channel",
        owner_id=channel_id,
        target="telegram:Kanal Tetangga",
        payload={"text": "rahasia tetangga"},
        status="failed",
        idempotency_key=f"tetangga-{channel_id}",
    )
    session.add(write)
    session.flush()
    return write.id


_query_seq = itertools.count(1)


@register("query_id")
def _query(session: Session, unit: Unit) -> int:
    from humas.ingest.models import SavedQuery

    query = SavedQuery(unit_id=unit.id, name=f"tetangga {next(_query_seq)}", query="rahasia")
    session.add(query)
    session.flush()
    return query.id


@register("rule_id")
def _rule(session: Session, unit: Unit) -> int:
    from humas.listening.models import AlertRule

    rule = AlertRule(unit_id=unit.id, name="aturan tetangga", kind="keyword", keyword="rahasia")
    session.add(rule)
    session.flush()
    return rule.id


@register("exception_id")
def _hours_exception(session: Session, unit: Unit) -> int:
    from datetime import date

    from humas.org.models import UnitHoursException

    row = UnitHoursException(
        unit_id=unit.id, name="Ramadan tetangga", first_on=date(2026, 2, 18), last_on=date(2026, 3, 19)
    )
    session.add(row)
    session.flush()
    return row.id


@register("closure_id")
def _closure(session: Session, unit: Unit) -> int:
    from datetime import date

    from humas.org.models import UnitClosure

    day = date(2026, 4, 20)
    row = UnitClosure(unit_id=unit.id, name="Libur tetangga", first_on=day, last_on=day)
    session.add(row)
    session.flush()
    return row.id


@register("conversation_id")
def _conversation(session: Session, unit: Unit) -> int:
    from humas.inbox.models import Conversation

    conversation = Conversation(
        unit_id=unit.id, platform="facebook", thread_key="t:tetangga", subject="rahasia"
    )
    session.add(conversation)
    session.flush()
    return conversation.id


@register("view_id")
def _view(session: Session, unit: Unit) -> int:
    from humas.inbox.models import SavedView

    owner = make_user(session, unit=unit, roles=("responder",))
    view = SavedView(user_id=owner.id, name="tampilan tetangga", filters={"mine": True})
    session.add(view)
    session.flush()
    return view.id


@register("post_id")
def _post(session: Session, unit: Unit) -> int:
    from humas.publishing.models import Post

    author = make_user(session, unit=unit, roles=("drafter",))
    post = Post(unit_id=unit.id, title="Pos tetangga", body="Rahasia tetangga", created_by_id=author.id)
    session.add(post)
    session.flush()
    return post.id


@register("policy_id")
def _policy(session: Session, unit: Unit) -> int:
    from humas.inbox.models import SlaPolicy

    policy = SlaPolicy(unit_id=unit.id, name="Tenggat tetangga", clock="working", first_response_minutes=60)
    session.add(policy)
    session.flush()
    return policy.id


def _sibling_thread(session: Session, unit: Unit) -> tuple[int, int]:
    """A conversation of the sibling unit with one comment: (conversation id, item id)."""
    from humas.inbox.models import ConversationItem
    from tests.inbox.factories import make_channel_conversation

    conversation = make_channel_conversation(session, unit=unit, channel=None, platform="x")
    item = session.query(ConversationItem).filter_by(conversation_id=conversation.id).one()
    return conversation.id, item.id


@register("item_id")
def _item(session: Session, unit: Unit) -> int:
    return _sibling_thread(session, unit)[1]


@register("reply_id")
def _reply(session: Session, unit: Unit) -> int:
    from humas.inbox.models import Reply

    conversation_id, _item_id = _sibling_thread(session, unit)
    reply = Reply(conversation_id=conversation_id, text="Balasan tetangga", status="gagal")
    session.add(reply)
    session.flush()
    return reply.id


@register("template_id")
def _template(session: Session, unit: Unit) -> int:
    from humas.inbox.models import Template

    template = Template(unit_id=unit.id, name="Templat tetangga", text="Halo {nama}", shared_down=True)
    session.add(template)
    session.flush()
    return template.id


@register("forward_id")
def _forward(session: Session, unit: Unit) -> int:
    from humas.inbox.models import LaporForward

    conversation_id, _item_id = _sibling_thread(session, unit)
    forward = LaporForward(conversation_id=conversation_id, title="Aduan tetangga", description="rahasia")
    session.add(forward)
    session.flush()
    return forward.id


_team_seq = itertools.count(1)


@register("team_id")
def _team(session: Session, unit: Unit) -> int:
    from humas.inbox.models import Team

    team = Team(unit_id=unit.id, name=f"Tim tetangga {next(_team_seq)}")
    session.add(team)
    session.flush()
    return team.id


@register("chain_id")
def _chain(session: Session, unit: Unit) -> int:
    from humas.publishing.models import ApprovalChain, ApprovalStep

    chain = ApprovalChain(unit_id=unit.id, name="Rantai tetangga")
    chain.steps = [ApprovalStep(position=1, name="Kasubbag", role="reviewer", user_ids=[])]
    session.add(chain)
    session.flush()
    return chain.id


@register("media_id")
def _media(session: Session, unit: Unit) -> int:
    from humas.publishing.models import MediaFile
    from humas.publishing.storage import new_key

    # A row only: every media route refuses a foreign id before reading the stored bytes.
    media = MediaFile(
        unit_id=unit.id, key=new_key(), public_token=new_key().replace("/", ""), original_name="tetangga.jpg",
        kind="image", content_type="image/jpeg", size_bytes=1, width=1, height=1, sha256=new_key()[3:] * 2,
        created_by_id=make_user(session, unit=unit, roles=("drafter",)).id,
    )  # fmt: skip
    session.add(media)
    session.flush()
    return media.id


@register("report_id")
def _archived_report(session: Session, unit: Unit) -> int:
    from datetime import UTC, datetime

    from humas.reports.period import Period
    from humas.reports.service import archive
    from tests.reports.archive_fakes import FAKE_RENDERERS, counting_builder

    analyst = make_user(session, unit=unit, roles=("analyst",))
    return archive.finalise_report(
        session, unit=unit, period=Period.month(2026, 11), include_descendants=False, locale="id",
        actor=analyst, now=datetime(2026, 12, 2, tzinfo=UTC), build=counting_builder,
        renderers=FAKE_RENDERERS,
    ).id  # fmt: skip


@register("schedule_id")
def _report_schedule(session: Session, unit: Unit) -> int:
    from humas.reports.service import schedules

    leader = make_user(session, unit=unit, roles=("pimpinan",))
    return schedules.create_schedule(
        session, unit=unit, period_kind="month", include_descendants=True, locale="id",
        recipients="pimpinan@tetangga.go.id", actor=leader,
    ).id  # fmt: skip


@register("kit_id")
def _kit(session: Session, unit: Unit) -> int:
    import uuid
    from datetime import timedelta

    from humas.core.time import utcnow
    from humas.publishing.kits import ContentKit, KitReceipt

    author = make_user(session, unit=unit, roles=("drafter",))
    child = make_unit(session, parent=unit)
    now = utcnow()
    kit = ContentKit(
        uid=str(uuid.uuid4()), issuer_unit_id=unit.id, title="Materi tetangga", master_text="rahasia",
        starts_at=now, ends_at=now + timedelta(days=1), issued_at=now, created_by_id=author.id,
    )  # fmt: skip
    session.add(kit)
    session.flush()
    session.add(KitReceipt(kit_id=kit.id, unit_id=child.id))
    session.flush()
    return kit.id


@register("issuer_id")
def _trusted_issuer(session: Session, unit: Unit) -> int:
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from humas.publishing.service import kit_files

    admin = make_user(session, unit=unit, roles=("admin",))
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return kit_files.trust_issuer(
        session, unit=unit, name="Penerbit tetangga", public_key=base64.b64encode(raw).decode(), actor=admin
    ).id


@register("campaign_id")
def _campaign(session: Session, unit: Unit) -> int:
    from humas.publishing.kits import Campaign

    author = make_user(session, unit=unit, roles=("drafter",))
    campaign = Campaign(
        unit_id=unit.id, name=f"Kampanye tetangga {next(_query_seq)}", created_by_id=author.id
    )
    session.add(campaign)
    session.flush()
    return campaign.id
