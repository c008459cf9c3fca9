"""Label corrections through the services (both engines): stored, audited, counted, and refused by role and
by unit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from humas.core.errors import Invalid, NotFound, PermissionDenied
from humas.ingest.models import LabelCorrection, Mention, MentionRollup
from humas.ingest.service import corrections as corrections_service
from humas.ingest.service import pipeline
from humas.ingest.service import queries as queries_service
from humas.listening.models import DailyRollup, FacetRollup
from humas.listening.service import corrections as listening_corrections
from humas.listening.service import facets
from humas.org.models import AuditLog
from tests.factories import make_unit, make_user
from tests.ingest.helpers import fake_analyze, item


def _mention(session, unit, text="pelayanan kppn lambat sekali"):
    result = pipeline.ingest_items(session, [item(text)], unit=unit, analyzer=fake_analyze)
    return session.get(Mention, result.added_ids[0])


def _hourly(session, mention, sentiment, query_id=0):
    return session.scalar(
        select(func.coalesce(func.sum(MentionRollup.count), 0)).where(
            MentionRollup.unit_id == mention.unit_id,
            MentionRollup.query_id == query_id,
            MentionRollup.sentiment == sentiment,
        )
    )


def test_an_analyst_corrects_a_label_it_is_stored_audited_and_counted(session):
    unit = make_unit(session)
    analyst = make_user(session, unit=unit, roles=("analyst",))
    query = queries_service.create_query(session, unit=unit, name="KPPN", query="kppn", actor=analyst)
    mention = _mention(session, unit)
    session.flush()
    assert mention.sentiment == "negative"
    assert (_hourly(session, mention, "negative"), _hourly(session, mention, "positive")) == (1, 0)

    correction = corrections_service.correct_label(
        session, mention=mention, task="sentiment", label="positive", actor=analyst
    )
    session.flush()
    assert (correction.unit_id, correction.mention_id, correction.task) == (unit.id, mention.id, "sentiment")
    assert (correction.model_label, correction.previous_label, correction.label) == (
        "negative", "negative", "positive"
    )  # fmt: skip
    assert correction.corrected_by_id == analyst.id and correction.corrected_at is not None
    assert mention.sentiment == "positive"  # every filter and page reads the corrected label
    assert (_hourly(session, mention, "negative"), _hourly(session, mention, "positive")) == (0, 1)
    matched = session.scalar(select(func.count()).select_from(MentionRollup).where(
        MentionRollup.query_id == query.id, MentionRollup.sentiment == "positive", MentionRollup.count == 1
    ))  # fmt: skip
    assert matched == 1  # the saved query's dashboard counts it too
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "mention.correct_label")).one()
    assert (entry.actor_id, entry.unit_id, entry.object_id) == (analyst.id, unit.id, str(mention.id))
    assert (entry.before, entry.after) == ({"sentiment": "negative"}, {"sentiment": "positive"})


def test_one_current_correction_per_mention_and_task_history_in_the_audit_log(session):
    unit = make_unit(session)
    admin = make_user(session, unit=unit, roles=("admin",))  # admins correct too (the role rule)
    mention = _mention(session, unit)
    for label in ("positive", "neutral"):
        corrections_service.correct_label(
            session, mention=mention, task="sentiment", label=label, actor=admin
        )
    session.flush()
    row = session.scalars(select(LabelCorrection).where(LabelCorrection.mention_id == mention.id)).one()
    assert (row.model_label, row.previous_label, row.label) == ("negative", "positive", "neutral")
    audits = session.scalars(select(AuditLog).where(AuditLog.action == "mention.correct_label")).all()
    assert [a.after for a in audits] == [{"sentiment": "positive"}, {"sentiment": "neutral"}]
    assert _hourly(session, mention, "neutral") == 1 and _hourly(session, mention, "positive") == 0


@pytest.mark.parametrize("role", ["drafter", "responder", "reviewer", "pimpinan"])
def test_other_roles_cannot_correct(session, role):
    unit = make_unit(session)
    mention = _mention(session, unit)
    user = make_user(session, unit=unit, roles=(role,))
    with pytest.raises(PermissionDenied):
        corrections_service.correct_label(
            session, mention=mention, task="sentiment", label="positive", actor=user
        )
    assert mention.sentiment == "negative"
    assert session.scalar(select(func.count()).select_from(LabelCorrection)) == 0


def test_an_analyst_outside_the_units_subtree_cannot_correct(session):
    root = make_unit(session)
    unit, sibling = make_unit(session, parent=root), make_unit(session, parent=root)
    mention = _mention(session, unit)
    outsider = make_user(session, unit=sibling, roles=("analyst",))
    with pytest.raises(NotFound):
        corrections_service.correct_label(
            session, mention=mention, task="sentiment", label="positive", actor=outsider
        )
    above = make_user(session, unit=root, roles=("analyst",))  # the parent unit's analyst may
    corrections_service.correct_label(
        session, mention=mention, task="sentiment", label="positive", actor=above
    )
    assert mention.sentiment == "positive"


def test_bad_labels_are_refused_naming_the_field(session):
    unit = make_unit(session)
    analyst = make_user(session, unit=unit, roles=("analyst",))
    mention = _mention(session, unit)
    for task, label in (("sentiment", "very good"), ("sentiment", ""), ("abuse", ["HS", "<b>x</b>"])):
        with pytest.raises(Invalid) as caught:
            corrections_service.correct_label(session, mention=mention, task=task, label=label, actor=analyst)
        assert caught.value.field == "label"
    with pytest.raises(Invalid) as caught:
        corrections_service.correct_label(
            session, mention=mention, task="language", label="en", actor=analyst
        )
    assert caught.value.field == "task"
    assert mention.sentiment == "negative" and mention.abuse == []


def test_hoax_abuse_emotion_and_topic_corrections(session):
    unit = make_unit(session)
    analyst = make_user(session, unit=unit, roles=("analyst",))
    mention = _mention(session, unit)
    # The hoax model is calibrated on news only: a social post shows no hoax label, an article does.
    assert mention.kind != "article" and corrections_service.shown_label(mention, "hoax") is None
    mention.kind = "article"
    assert corrections_service.shown_label(mention, "hoax") == "valid"  # score 0.1
    corrections_service.correct_label(session, mention=mention, task="hoax", label="hoax", actor=analyst)
    corrections_service.correct_label(
        session, mention=mention, task="abuse", label=["HS_Group", "HS"], actor=analyst
    )
    corrections_service.correct_label(session, mention=mention, task="emotion", label="anger", actor=analyst)
    corrections_service.correct_label(session, mention=mention, task="topic", label="politics", actor=analyst)
    session.flush()
    found = corrections_service.corrections_for(session, [mention.id])
    assert corrections_service.shown_label(mention, "hoax", found[(mention.id, "hoax")]) == "hoax"
    assert mention.abuse == ["HS", "HS_Group"]  # in the model's label order
    assert (mention.emotion, mention.topic) == ("anger", "politics")
    assert found[(mention.id, "abuse")].by == analyst.name
    assert found[(mention.id, "hoax")].model_label == "valid"


def test_listening_daily_rollups_follow_a_correction_of_a_folded_mention(session):
    unit = make_unit(session)
    analyst = make_user(session, unit=unit, roles=("analyst",))
    mention = _mention(session, unit)
    mention.emotion = "sadness"
    session.flush()
    facets.update_facets(session)  # the facet job has read this mention: its daily counts hold "negative"

    def daily(sentiment):
        return session.scalar(select(func.coalesce(func.sum(DailyRollup.count), 0)).where(
            DailyRollup.unit_id == unit.id, DailyRollup.query_id == 0, DailyRollup.sentiment == sentiment
        ))  # fmt: skip

    def emo(key):
        return session.scalar(select(func.coalesce(func.sum(FacetRollup.count), 0)).where(
            FacetRollup.unit_id == unit.id, FacetRollup.facet == "emo", FacetRollup.key == key
        ))  # fmt: skip

    assert (daily("negative"), emo("sadness")) == (1, 1)
    listening_corrections.correct_label(
        session, mention=mention, task="sentiment", label="positive", actor=analyst
    )
    listening_corrections.correct_label(
        session, mention=mention, task="emotion", label="happy", actor=analyst
    )
    session.flush()
    assert (daily("negative"), daily("positive")) == (0, 1)
    assert (emo("sadness"), emo("happy")) == (0, 1)
    assert facets.update_facets(session) == 0  # nothing is folded twice


def test_export_rows_hold_text_task_label_unit_and_stay_in_the_subtree(session):
    root = make_unit(session, name="Kementerian")
    unit, sibling = make_unit(session, parent=root, name="KPPN A"), make_unit(session, parent=root, name="B")
    analyst = make_user(session, unit=root, roles=("analyst",))
    mine, theirs = _mention(session, unit, "kppn lambat"), _mention(session, sibling, "lambat juga")
    for m in (mine, theirs):
        corrections_service.correct_label(
            session, mention=m, task="sentiment", label="positive", actor=analyst
        )
    corrections_service.correct_label(session, mention=mine, task="abuse", label=["HS"], actor=analyst)
    session.flush()
    rows = list(corrections_service.export_rows(session, unit_ids=[unit.id]))
    assert len(rows) == 1  # abuse (multi-label) is left out unless asked for; the sibling's is not ours
    row = rows[0]
    assert {k: row[k] for k in ("text", "task", "label", "unit", "unit_id", "mention_id")} == {
        "text": "kppn lambat", "task": "sentiment", "label": "positive", "unit": "KPPN A",
        "unit_id": unit.id, "mention_id": mine.id,
    }  # fmt: skip
    assert (row["previous_label"], row["corrected_by"]) == ("negative", analyst.email)
    assert len(list(corrections_service.export_rows(session, unit_ids=None, tasks=("abuse",)))) == 1
