"""coverage: parked / failed / flagged items, backfill progress

Revision ID: 0008
Revises: 0007 (written as 0006 on its branch, re-chained at the merge)
Create Date: 2026-11-29 06:45:00

Self-contained: only adds tables, so it can be re-chained after any other revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crawl_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("parent_url", sa.String(length=1000), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("discovery", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"]),
        sa.ForeignKeyConstraint(["crawl_run_id"], ["crawl_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "kind", "url", name="uq_crawl_issues_item"),
    )
    with op.batch_alter_table("crawl_issues", schema=None) as batch_op:
        batch_op.create_index("ix_crawl_issues_open", ["source_id", "resolved_at"], unique=False)
    op.create_table(
        "backfill_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("listing", sa.String(length=1000), nullable=False),
        sa.Column("last_page", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "listing", name="uq_backfill_progress_listing"),
    )


def downgrade() -> None:
    op.drop_table("backfill_progress")
    with op.batch_alter_table("crawl_issues", schema=None) as batch_op:
        batch_op.drop_index("ix_crawl_issues_open")
    op.drop_table("crawl_issues")
