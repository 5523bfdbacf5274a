"""scale: pending-page index for claims, process workers, query indexes

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 07:30:00

Pages waiting for `process` are found through a partial index (both SQLite and PostgreSQL support
``WHERE`` on an index), so claiming a batch costs the same with 1,000 or 1,000,000 stored pages.
``process_workers`` records each running `process` (host, pid, heartbeat, pages done) for
`policywatch workers`. Unlinked mentions are found by their lower-cased surface through an index
(`mentions --entity`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("processed_at IS NULL AND parent_id IS NULL")
UNLINKED = sa.text("entity_id IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_fetched_pages_pending",
        "fetched_pages",
        ["id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index("ix_fetched_pages_parent", "fetched_pages", ["parent_id"])
    op.create_index("ix_crawl_issues_parent", "crawl_issues", ["source_id", "kind", "parent_url"])
    # `mentions --entity NAME` also matches unlinked mentions by their whole surface
    op.create_index(
        "ix_mentions_unlinked_surface",
        "mentions",
        [sa.text("lower(surface)")],
        sqlite_where=UNLINKED,
        postgresql_where=UNLINKED,
    )
    op.create_table(
        "process_workers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("in_flight", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", name="uq_process_workers_name"),
    )


def downgrade() -> None:
    op.drop_table("process_workers")
    op.drop_index("ix_mentions_unlinked_surface", table_name="mentions")
    op.drop_index("ix_crawl_issues_parent", table_name="crawl_issues")
    op.drop_index("ix_fetched_pages_parent", table_name="fetched_pages")
    op.drop_index("ix_fetched_pages_pending", table_name="fetched_pages")
