"""Full-text search that finds the same rows on SQLite (FTS5) and PostgreSQL (tsvector).

The two engines split and fold words differently (PostgreSQL's by the server's locale: in the
C locale "É" is not lowered), so neither indexes the raw text. Python writes each searchable
row's words once, in a column of its own (`search_text`, written by `normalise`): case-folded,
accents removed, letters and digits only, one space between words. Both engines index that
column with tokenizers that only split on the spaces:

- SQLite: an FTS5 table with external content (`content=` the table, `content_rowid=` its
  id), tokenizer `unicode61 remove_diacritics 0`, kept in step by triggers on the table;
- PostgreSQL: a GIN index on `to_tsvector('simple', search_text)` (no stemming, no stop
  words).

What a person types goes through the same `normalise` (`terms`): quotes, operators, brackets
and any other punctuation are separators, never syntax, so no input can make the query fail.
Every word must match the start of a word of the row ("migra" finds "migrants"), on both
engines. The migration that creates the index is `c4e7a9d2f816`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Boolean

from fund.dialects import SQLITE

# A search of more words than this uses the first ones; a longer word is cut (a word is
# matched as a prefix, so a cut word still finds the rows).
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
# The text configuration of the PostgreSQL index: words as they are (no stemming).
PG_CONFIG = "simple"

_WORD = re.compile(r"[^\W_]+")


def normalise(*texts: str | None) -> str:
    """The words of `texts` as the index holds them: lower case (Unicode case folding),
    without accents (compatibility decomposition, combining marks dropped), letters and
    digits only, one space between words."""
    joined = " ".join(t for t in texts if t)
    decomposed = unicodedata.normalize("NFKD", joined.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return " ".join(_WORD.findall(bare))


def terms(query: str | None) -> list[str]:
    """The words to look for in what was typed (at most MAX_TERMS, each at most
    MAX_TERM_LENGTH characters, the same word once); [] when nothing searchable was typed."""
    found: list[str] = []
    for word in normalise(query).split():
        word = word[:MAX_TERM_LENGTH]
        if word not in found:
            found.append(word)
        if len(found) == MAX_TERMS:
            break
    return found


def fts5_query(words: Iterable[str]) -> str:
    """FTS5 MATCH syntax: every word, each as a prefix ("word"* "other"*). Words hold only
    letters and digits, so quoting them cannot be escaped."""
    return " ".join(f'"{w}"*' for w in words)


def tsquery(words: Iterable[str]) -> str:
    """to_tsquery syntax: every word, each as a prefix ('word':* & 'other':*)."""
    return " & ".join(f"'{w}':*" for w in words)


class text_match(FunctionElement):
    """SQL: the row (`id_column`) of `table` whose `search_text` holds every one of `words`.

    SQLite: `id IN (SELECT rowid FROM <table>_search WHERE <table>_search MATCH :q)`.
    PostgreSQL: `to_tsvector('simple', search_text) @@ to_tsquery('simple', :q)`, the
    expression of the GIN index. Build it with `matching`."""

    type = Boolean()
    name = "text_match"
    inherit_cache = False

    def __init__(self, id_column: ColumnElement, search_column: ColumnElement, words: list[str]):
        self.id_column = id_column
        self.search_column = search_column
        self.words = list(words)
        super().__init__()


@compiles(text_match)
def _compile_text_match_postgresql(element, compiler, **kw):
    column = compiler.process(element.search_column, **kw)
    query = compiler.process(bindparam("fts_query", tsquery(element.words), unique=True), **kw)
    return (
        f"to_tsvector('{PG_CONFIG}'::regconfig, {column}) "
        f"@@ to_tsquery('{PG_CONFIG}'::regconfig, {query})"
    )


@compiles(text_match, SQLITE)
def _compile_text_match_sqlite(element, compiler, **kw):
    index = f"{element.id_column.table.name}_search"
    column = compiler.process(element.id_column, **kw)
    query = compiler.process(bindparam("fts_query", fts5_query(element.words), unique=True), **kw)
    # The index's name comes from the model's table, the words are a bound parameter.
    return f"{column} IN (SELECT rowid FROM {index} WHERE {index} MATCH {query})"  # noqa: S608  # nosec B608


def matching(id_column: ColumnElement, search_column: ColumnElement, query: str | None):
    """The condition "the row holds every word of `query`", or None when `query` holds no
    word (no condition: every row)."""
    words = terms(query)
    if not words:
        return None
    return text_match(id_column, search_column, words)


# The SQLite index's tables and the PostgreSQL index are not in the models: the comparison of
# the migrations with the models (and `flask db migrate`) leaves them out.
_INDEX_TABLE = re.compile(r"\w+_search(_(data|idx|docsize|config|content))?")
_INDEX = re.compile(r"ix_\w+_search")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's `include_object`: False for the search indexes' own tables and indexes."""
    if type_ == "table" and name and _INDEX_TABLE.fullmatch(name):
        return False
    return not (type_ == "index" and name and _INDEX.fullmatch(name))
