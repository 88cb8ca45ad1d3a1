"""Message refs per chat: Telegram numbers messages in each chat on its own, so a ref is keyed
by (user id, chat id, message id). The refs stored before were all taken as private-chat ones.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _refs_keyed_by(key: list[str], chat: str) -> None:
    """message_refs again with the primary key `key` (SQLite cannot change a table's key): a copy
    takes its place, `chat` (an SQL expression) filling its chat_id."""
    if op.get_bind().dialect.name == "postgresql":  # the copy takes the old key's name
        op.execute("ALTER TABLE message_refs RENAME CONSTRAINT message_refs_pkey TO message_refs_old")
    columns = [
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    ]
    if "chat_id" in key:
        columns.insert(1, sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False))
    op.create_table(
        "message_refs_next",
        *columns,
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(*key, name="message_refs_pkey"),
    )
    names = ", ".join(column.name for column in columns)
    values = names.replace("chat_id", f"{chat} AS chat_id")
    op.execute(f"INSERT INTO message_refs_next ({names}) SELECT {values} FROM message_refs")
    op.drop_table("message_refs")
    op.rename_table("message_refs_next", "message_refs")


def upgrade() -> None:
    _refs_keyed_by(["user_id", "chat_id", "message_id"], "user_id")


def downgrade() -> None:
    op.execute("DELETE FROM message_refs WHERE chat_id <> user_id")  # group chats' refs cannot stay
    _refs_keyed_by(["user_id", "message_id"], "")
