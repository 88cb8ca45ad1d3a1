"""Receipts per user: processed updates keyed by (user id, update id), and the anonymised
receipts a deleted runner leaves behind (`erased_updates`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _receipts_keyed_by(key: list[str], rows: str) -> None:
    """processed_updates again with the primary key `key` (SQLite cannot change a table's key):
    a copy with the new key takes the `rows` selected from the old table, and its place."""
    op.create_table(
        "processed_updates_next",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replies", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint(*key, name="processed_updates_pkey"),
    )
    op.execute(
        "INSERT INTO processed_updates_next (user_id, update_id, processed_at, replies) "
        f"SELECT user_id, update_id, processed_at, replies FROM processed_updates {rows}"
    )
    op.drop_index("ix_processed_updates_processed_at", table_name="processed_updates")
    op.drop_table("processed_updates")
    op.rename_table("processed_updates_next", "processed_updates")
    op.create_index("ix_processed_updates_processed_at", "processed_updates", ["processed_at"])


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":  # the new table takes the old key's name
        op.execute("ALTER TABLE processed_updates RENAME CONSTRAINT processed_updates_pkey TO processed_updates_old")
    _receipts_keyed_by(["user_id", "update_id"], "")
    op.create_table(
        "erased_updates",
        sa.Column("user_key", sa.String(length=32), nullable=False),
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_key", "update_id"),
    )
    op.create_index("ix_erased_updates_processed_at", "erased_updates", ["processed_at"])


def downgrade() -> None:
    op.drop_index("ix_erased_updates_processed_at", table_name="erased_updates")
    op.drop_table("erased_updates")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE processed_updates RENAME CONSTRAINT processed_updates_pkey TO processed_updates_old")
    # an update id is one update again: the receipt of its first user stays
    _receipts_keyed_by(
        ["update_id"],
        "WHERE user_id = (SELECT MIN(p.user_id) FROM processed_updates p "
        "WHERE p.update_id = processed_updates.update_id)",
    )
