"""Logged sets, and the training record summary on users.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("record", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    op.create_table(
        "set_logs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("exercise_id", sa.String(length=32), nullable=False),
        sa.Column("set_number", sa.Integer(), nullable=False),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("unit", sa.String(length=2), nullable=True),
        sa.Column("weight_kg", sa.Numeric(precision=9, scale=4), nullable=True),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workout", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_set_logs_user_id", "set_logs", ["user_id"])
    op.create_index("ix_set_logs_user_exercise", "set_logs", ["user_id", "exercise_id", "logged_at"])


def downgrade() -> None:
    op.drop_index("ix_set_logs_user_exercise", table_name="set_logs")
    op.drop_index("ix_set_logs_user_id", table_name="set_logs")
    op.drop_table("set_logs")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("record")
