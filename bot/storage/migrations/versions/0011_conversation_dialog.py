"""The conversation's JSON column is its whole dialog (flow, step, data, the flows under it), not
a state: `conversations.state` becomes `conversations.dialog`.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column("state", new_column_name="dialog")


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column("dialog", new_column_name="state")
