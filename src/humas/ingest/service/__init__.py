"""The ingest service: `from humas.ingest import service as ingest_service`.

Sub-modules by topic: pipeline (ingest_items), stream (batches with analysis ahead), querylang / matcher /
fts / queries (saved queries), importer / imports (files), feeds (news feeds), search (the explorer),
neardup (MinHash-LSH buckets), sql (bulk statements). They take a session and never commit; the loops that
open and commit sessions (imports, batch streams, feed polls) are in `humas.ingest.runner`.
"""

from __future__ import annotations

from humas.ingest.service.feeds import add_feed, list_feeds, poll_due_feeds, poll_feed
from humas.ingest.service.imports import ImportReport
from humas.ingest.service.pipeline import IngestResult, ingest_items
from humas.ingest.service.queries import (
    access_query,
    archive_query,
    check_query,
    create_query,
    current_matcher,
    list_queries,
)
from humas.ingest.service.querylang import QuerySyntaxError, parse
from humas.ingest.service.search import MentionFilters, MentionPage, access_mention, search_mentions
from humas.ingest.service.stream import analysis_pool

__all__ = [
    "ImportReport",
    "IngestResult",
    "MentionFilters",
    "MentionPage",
    "QuerySyntaxError",
    "access_mention",
    "access_query",
    "add_feed",
    "analysis_pool",
    "archive_query",
    "check_query",
    "create_query",
    "current_matcher",
    "ingest_items",
    "list_feeds",
    "list_queries",
    "parse",
    "poll_due_feeds",
    "poll_feed",
    "search_mentions",
]
