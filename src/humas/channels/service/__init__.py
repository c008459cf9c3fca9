"""The channels service: channels, polling, the outbox and webhook intake (split by sub-topic)."""

from humas.channels import redact as _redact
from humas.channels.service.channels import (
    access_channel,
    add_channel,
    channel_values,
    channels_needing_reauth,
    get_channel,
    list_channels,
    page_channels,
    reencrypt_credentials,
    request_poll,
    rotate_credentials,
    set_webhook_mode,
    webhook_switchable,
    webhook_switched_on,
)
from humas.channels.service.followers import (
    FollowerGrowth,
    counts_followers,
    due_follower_channel_ids,
    follower_counts,
    follower_growth,
    record_followers,
)
from humas.channels.service.outbox import (
    access_write,
    find_entry,
    list_outbox,
    mark_delivered,
    queue_hide,
    queue_post,
    queue_reply,
    queue_unhide,
    retry_write,
)
from humas.channels.service.polling import due_channel_ids, poll_channel, poll_freshness
from humas.channels.service.webhooks import (
    MAX_BODY as MAX_WEBHOOK_BODY,
)
from humas.channels.service.webhooks import (
    DeliveryRefused,
    answer_handshake,
    process_delivery,
    receive_delivery,
    stale_delivery_ids,
)

_redact.install()

__all__ = [
    "MAX_WEBHOOK_BODY",
    "DeliveryRefused",
    "FollowerGrowth",
    "access_channel",
    "access_write",
    "add_channel",
    "answer_handshake",
    "channel_values",
    "counts_followers",
    "due_channel_ids",
    "due_follower_channel_ids",
    "find_entry",
    "follower_counts",
    "follower_growth",
    "get_channel",
    "list_channels",
    "page_channels",
    "channels_needing_reauth",
    "reencrypt_credentials",
    "record_followers",
    "list_outbox",
    "mark_delivered",
    "poll_channel",
    "poll_freshness",
    "process_delivery",
    "queue_hide",
    "queue_post",
    "queue_reply",
    "queue_unhide",
    "receive_delivery",
    "request_poll",
    "retry_write",
    "rotate_credentials",
    "set_webhook_mode",
    "stale_delivery_ids",
    "webhook_switchable",
    "webhook_switched_on",
]
