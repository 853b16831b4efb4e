"""Engagement's operations that change state, one module per sub-domain:

- `ledger`: record an action, reverse it, void a fraudulent account;
- `slots`: the campaign counter's slots and their share of the cap;
- `likes`: likes worth a rouble while they stand, rate-limited, a new account's after its warm-up;
- `digests`: the published daily hash chain and its rolled-up totals;
- `foundations`: transfers paid through foundations;
- `vk`: the VKontakte Callback API's events;
- `sql`: every raw SQL statement and the ledger's column list.

Other apps call `from engagement import services; services.record_action(...)`. Reads live in
`engagement.selectors`; the read names below are re-exported for callers that still reach them here.
Inside engagement, modules import each other's submodules directly, never this package.
"""

from engagement.actors import VkActor
from engagement.selectors import (
    counter,
    ledger_by_month,
    like_stands,
    like_worth,
    raised_by,
    reconcile,
    transparency,
)
from engagement.services.digests import (
    DIGEST_GRACE,
    GENESIS_DIGEST,
    publish_digests,
    tally_recent_days,
    verify_digests,
)
from engagement.services.foundations import save_transfer, transfer_problem
from engagement.services.ledger import record_action, reverse_action, void_account
from engagement.services.likes import RateLimited, count_warmed_up_likes, set_like, warmup_ends
from engagement.services.slots import distribute_cap

# The old private names bench/bench_ledger.py imports for its raw-insert baseline.
from engagement.services.sql import INSERT_ENTRIES_UNNEST as _INSERT_ENTRIES_UNNEST  # noqa: F401
from engagement.services.sql import binary as _binary  # noqa: F401
from engagement.services.sql import binary_cursor as _binary_cursor  # noqa: F401
from engagement.services.vk import VkPayloadError, accept_vk_event, drain_vk_inbox, ingest_vk_events

__all__ = [
    "DIGEST_GRACE",
    "GENESIS_DIGEST",
    "RateLimited",
    "VkActor",
    "VkPayloadError",
    "count_warmed_up_likes",
    "counter",
    "distribute_cap",
    "accept_vk_event",
    "drain_vk_inbox",
    "ingest_vk_events",
    "ledger_by_month",
    "like_stands",
    "like_worth",
    "publish_digests",
    "tally_recent_days",
    "raised_by",
    "reconcile",
    "record_action",
    "reverse_action",
    "save_transfer",
    "set_like",
    "transfer_problem",
    "transparency",
    "verify_digests",
    "void_account",
    "warmup_ends",
]
