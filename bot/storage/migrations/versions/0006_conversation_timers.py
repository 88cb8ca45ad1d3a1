"""Conversation timers: when the current step's timer is due (a rest's end), the chat its alert
goes to, and a runner's lease on firing it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as table:
        table.add_column(sa.Column("wake_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("wake_chat", sa.BigInteger(), nullable=True))
        table.add_column(sa.Column("wake_claimed_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_conversations_wake_at", "conversations", ["wake_at"])


def downgrade() -> None:
    op.drop_index("ix_conversations_wake_at", table_name="conversations")
    with op.batch_alter_table("conversations") as table:
        table.drop_column("wake_claimed_until")
        table.drop_column("wake_chat")
        table.drop_column("wake_at")
