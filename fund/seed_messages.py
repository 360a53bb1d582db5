"""The texts of the seed data that the interface translates, for `make translations`: a Babel
extractor (named in `babel.cfg`) reading one column of a CSV file of `seed/`, each row's text a
message of the catalogs (shown through `fund.i18n.seed_text`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any


def extract_csv_column(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, str]
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Each row's text in the column `options["column"]` (default `label`), with its line."""
    column = options.get("column", "label")
    rows = csv.DictReader(io.TextIOWrapper(fileobj, encoding="utf-8", newline=""))
    for row in rows:
        text = (row.get(column) or "").strip()
        if text:
            yield rows.line_num, None, text, []
