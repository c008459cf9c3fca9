"""The publishing service: `from humas.publishing import service as publishing_service`.

Sub-modules by topic: posts (drafts, variants, versions, comments), validation (a variant against its
platform's spec), approvals (chains, submit, approve / reject / send back, the approver queue), schedule
(times, posting slots, expiry, recurrences), publish (the outbox rows and their sender), metrics (read-back).
They take a session and never commit; ``humas.publishing.tasks`` owns the periodic work.
"""

from __future__ import annotations

from humas.publishing.service.approvals import (
    StepInput,
    access_chain,
    approve_post,
    approver_queue,
    chain_complete,
    create_chain,
    current_step,
    deactivate_chain,
    list_approvals,
    list_chains,
    reject_post,
    select_chain,
    send_back_post,
    submit_post,
)
from humas.publishing.service.calendar import (
    CalendarDay,
    CalendarEntry,
    DayEntry,
    calendar_days,
    calendar_entries,
    closed_days,
    move_post,
)
from humas.publishing.service.guard import can_override as can_override_post
from humas.publishing.service.guard import override_post, post_verdict
from humas.publishing.service.metrics import read_metrics, register_reader, series
from humas.publishing.service.posts import (
    DRAFTERS,
    PostInput,
    VariantInput,
    access_post,
    add_comment,
    cancel_post,
    channel_platforms,
    counters,
    create_post,
    diff_versions,
    edit_post,
    get_post,
    get_version,
    list_comments,
    list_posts,
    list_versions,
)
from humas.publishing.service.publish import due_post_ids, publish_post, release_held, retry_variant
from humas.publishing.service.schedule import (
    add_slot,
    create_recurrence,
    expire_due_posts,
    list_slots,
    local_time,
    materialise_recurrences,
    next_free_slot,
    occurrences,
    remove_slot,
    schedule_post,
)
from humas.publishing.service.validation import Counter, Problem, check_variant

__all__ = [
    "CalendarDay",
    "CalendarEntry",
    "DayEntry",
    "calendar_days",
    "can_override_post",
    "override_post",
    "post_verdict",
    "calendar_entries",
    "move_post",
    "closed_days",
    "DRAFTERS",
    "Counter",
    "PostInput",
    "Problem",
    "StepInput",
    "VariantInput",
    "access_chain",
    "access_post",
    "add_comment",
    "add_slot",
    "approve_post",
    "approver_queue",
    "cancel_post",
    "chain_complete",
    "channel_platforms",
    "check_variant",
    "counters",
    "create_chain",
    "create_post",
    "create_recurrence",
    "current_step",
    "deactivate_chain",
    "diff_versions",
    "due_post_ids",
    "edit_post",
    "expire_due_posts",
    "get_post",
    "get_version",
    "list_approvals",
    "list_chains",
    "list_comments",
    "list_posts",
    "list_slots",
    "list_versions",
    "local_time",
    "materialise_recurrences",
    "next_free_slot",
    "occurrences",
    "publish_post",
    "read_metrics",
    "register_reader",
    "reject_post",
    "release_held",
    "remove_slot",
    "retry_variant",
    "schedule_post",
    "select_chain",
    "send_back_post",
    "series",
    "submit_post",
]
