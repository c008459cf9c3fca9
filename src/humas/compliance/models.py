"""Guardrail tables: rule sets per unit, the election list, recorded checks and findings, overrides.

A finding is stored with its rule, severity and span, and a keyed fingerprint of the matched text (HMAC with
the installation's secret key), never the text itself: the span may be a citizen's NIK (UU PDP), and the
fingerprint is all an override needs to recognise the same finding in a later check.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from humas.core.db import Base
from humas.core.time import utcnow


class GuardrailRuleSet(Base):
    """A unit's own rule set: severities it sets (``None``: off) and extra words per word rule."""

    __tablename__ = "guardrail_rule_sets"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    severities: Mapped[dict[str, Any]] = mapped_column(default=dict)
    words: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuardrailElectionList(Base):
    """The election-neutrality list kept by a root (central) unit, with its active period."""

    __tablename__ = "guardrail_election_lists"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    candidates: Mapped[list[Any]] = mapped_column(default=list)
    parties: Mapped[list[Any]] = mapped_column(default=list)
    numbers: Mapped[list[Any]] = mapped_column(default=list)
    slogans: Mapped[list[Any]] = mapped_column(default=list)
    active_from: Mapped[date | None]
    active_to: Mapped[date | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuardrailCheck(Base):
    """One recorded check of an outgoing text (a post's variants, or a reply) at submit or send."""

    __tablename__ = "guardrail_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    subject_type: Mapped[str] = mapped_column(String(16))  # post | reply
    subject_id: Mapped[int]
    stage: Mapped[str] = mapped_column(String(8))  # submit | send
    blocked: Mapped[bool] = mapped_column(default=False)  # a block not overridden stopped it
    at: Mapped[datetime] = mapped_column(default=utcnow)

    findings: Mapped[list[GuardrailFinding]] = relationship(
        back_populates="check", cascade="all, delete-orphan", order_by="GuardrailFinding.id", lazy="selectin"
    )

    __table_args__ = (
        Index("ix_guardrail_checks_unit_id_at", "unit_id", "at"),
        Index("ix_guardrail_checks_subject", "subject_type", "subject_id"),
    )


class GuardrailFinding(Base):
    __tablename__ = "guardrail_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("guardrail_checks.id", ondelete="CASCADE"), index=True)
    part: Mapped[str] = mapped_column(String(40), default="")  # the variant's channel id, or "" for a reply
    rule: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    start: Mapped[int]
    end: Mapped[int]
    fingerprint: Mapped[str] = mapped_column(String(64))
    overridden: Mapped[bool] = mapped_column(default=False)

    check: Mapped[GuardrailCheck] = relationship(back_populates="findings")


class GuardrailOverride(Base):
    """A reviewer let one blocking finding of a text through, with a written reason (audited too)."""

    __tablename__ = "guardrail_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int]
    rule: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_guardrail_overrides_subject", "subject_type", "subject_id"),
        Index("ix_guardrail_overrides_unit_id_at", "unit_id", "at"),
    )
