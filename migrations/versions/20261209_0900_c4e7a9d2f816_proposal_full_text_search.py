"""full-text search over proposals' titles and summaries

`proposals.search_text`: the words of the title and summary as Python writes them (case-folded,
accents removed, letters and digits only, one space between words; `fund.fulltext.normalise`,
copied below as it stood for the existing rows). Indexed by SQLite FTS5 (`proposals_search`,
external content, kept in step by triggers) or by a PostgreSQL GIN index on
`to_tsvector('simple', search_text)`: both split only on the spaces, so the same words find the
same proposals.

A later migration that rebuilds `proposals` on SQLite (a batch "move and copy") drops the
triggers with the old table: it must create them again (tests/test_search.py checks they are
there at head).

Revision ID: c4e7a9d2f816
Revises: b7e1d3f9a567
Create Date: 2026-12-09 09:00:00

"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e7a9d2f816"
down_revision = "b7e1d3f9a567"
branch_labels = None
depends_on = None

_WORD = re.compile(r"[^\W_]+")

SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE proposals_search USING fts5(search_text, content='proposals', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER proposals_search_insert AFTER INSERT ON proposals BEGIN "
    "INSERT INTO proposals_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER proposals_search_delete AFTER DELETE ON proposals BEGIN "
    "INSERT INTO proposals_search(proposals_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER proposals_search_update AFTER UPDATE OF search_text ON proposals BEGIN "
    "INSERT INTO proposals_search(proposals_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO proposals_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO proposals_search(proposals_search) VALUES ('rebuild')",
)
POSTGRESQL_INDEX = (
    "CREATE INDEX ix_proposals_search ON proposals USING gin "
    "(to_tsvector('simple'::regconfig, search_text))",
)


def normalise(*texts):
    """fund.fulltext.normalise as of this revision."""
    joined = " ".join(t for t in texts if t)
    decomposed = unicodedata.normalize("NFKD", joined.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return " ".join(_WORD.findall(bare))


def upgrade():
    op.add_column(
        "proposals", sa.Column("search_text", sa.Text(), nullable=False, server_default="")
    )
    connection = op.get_bind()
    proposals = sa.table(
        "proposals",
        sa.column("id", sa.Integer),
        sa.column("title", sa.String),
        sa.column("summary", sa.Text),
        sa.column("search_text", sa.Text),
    )
    rows = connection.execute(sa.select(proposals.c.id, proposals.c.title, proposals.c.summary))
    words = [{"row_id": r.id, "words": normalise(r.title, r.summary)} for r in rows]
    if words:
        connection.execute(
            proposals.update()
            .where(proposals.c.id == sa.bindparam("row_id"))
            .values(search_text=sa.bindparam("words")),
            words,
        )
    statements = POSTGRESQL_INDEX if connection.dialect.name == "postgresql" else SQLITE_INDEX
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_proposals_search")
    else:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER proposals_search_{event}")
        op.execute("DROP TABLE proposals_search")
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.drop_column("search_text")
