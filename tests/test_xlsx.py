"""Workbooks as `fund.xlsx` writes them, read back by openpyxl: each value by its type, text
never a formula and never unreadable, the header bold, frozen and filtered."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from fund import xlsx
from fund.extensions import db
from fund.finance import operations as finance_operations
from tests.factories import acting_secretariat
from tests.helpers import organization as org

NEW_YORK_WINTER = timezone(timedelta(hours=-5))


def _read(data: bytes):
    return load_workbook(io.BytesIO(data))


def _utc(*parts: int) -> datetime:
    """A moment in UTC as a workbook reads it back: without a time zone."""
    return datetime(*parts, tzinfo=UTC).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters(index, letters):
    assert xlsx.column_letters(index) == letters


def test_each_value_is_written_by_its_type():
    data = xlsx.workbook(
        [
            xlsx.Sheet(
                "Values",
                ["Text", "Number", "Amount", "Day", "Moment", "Flag", "Empty", "Fraction"],
                [
                    (
                        "Côte d'Ivoire — مرحبا <&>",
                        42,
                        Decimal("1234567.89"),
                        date(2026, 3, 1),
                        datetime(2026, 3, 1, 9, 30, 15, tzinfo=NEW_YORK_WINTER),
                        True,
                        None,
                        0.25,
                    ),
                    (
                        "  spaced  ",
                        -7,
                        Decimal("0.01"),
                        date(1900, 3, 1),
                        _utc(2026, 1, 1),
                        False,
                    ),
                ],
            )
        ]
    )
    sheet = _read(data)["Values"]
    first = list(sheet[2])
    assert [c.value for c in first] == [
        "Côte d'Ivoire — مرحبا <&>",
        42,
        Decimal("1234567.89") if isinstance(first[2].value, Decimal) else 1234567.89,
        _utc(2026, 3, 1),
        _utc(2026, 3, 1, 14, 30, 15),  # written in UTC
        "Yes",
        None,
        0.25,
    ]
    assert [c.data_type for c in first[:6]] == ["s", "n", "n", "d", "d", "s"]
    assert first[2].number_format == xlsx.DECIMAL_FORMAT
    assert first[3].number_format == xlsx.DATE_FORMAT
    assert first[4].number_format == xlsx.DATETIME_FORMAT
    assert first[1].number_format == "General"
    second = [c.value for c in sheet[3]]
    assert second[:6] == ["  spaced  ", -7, 0.01, _utc(1900, 3, 1), _utc(2026, 1, 1), "No"]
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert "<v>1234567.89</v>" in package.read("xl/worksheets/sheet1.xml").decode()


def test_text_is_never_a_formula_and_never_unreadable():
    hostile = ['=HYPERLINK("http://x.example")', "+1", "-1", "@SUM(A1)", "\tx", "\rx"]
    pasted = "a\x00b\x01c\x08d\x0be\x0cf\x1bg\x7fh\ufffei\ud800j\tk\nl\rm"
    long = "x" * (xlsx.CELL_TEXT_LIMIT + 10)
    escaped = "line_x000D_break and _x0041_"
    texts = [*hostile, pasted, escaped, long]
    data = xlsx.workbook([xlsx.Sheet("Text", ["Text"], [(t,) for t in texts])])
    sheet = _read(data)["Text"]
    values = [c.value for (c,) in sheet.iter_rows(min_row=2)]
    assert values[: len(hostile)] == ["'" + t for t in hostile]
    assert (
        values[len(hostile)]
        == "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg\x7fh\ufffdi\ufffdj\tk\nl\rm"
    )
    assert len(values[-1]) == xlsx.CELL_TEXT_LIMIT
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        part = package.read("xl/worksheets/sheet1.xml").decode()
    # Escaped as the standard says, so that a spreadsheet program shows the text as typed
    # (openpyxl does not read the escape in an inline string; spreadsheet programs do).
    assert "line_x005F_x000D_break and _x005F_x0041_" in part
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_the_header_is_bold_frozen_and_filtered_and_columns_keep_their_widths():
    rows = [(n, f"Row {n}") for n in range(1, 31)]
    data = xlsx.workbook(
        [xlsx.Sheet("Rows", ["Number", "Name"], rows, widths=[10, 36], formats=["0.0"])]
    )
    sheet = _read(data)["Rows"]
    assert [c.value for c in sheet[1]] == ["Number", "Name"]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B31"
    assert sheet.column_dimensions["A"].width == 10
    assert sheet.column_dimensions["B"].width == 36
    assert sheet["A2"].number_format == "0.0"
    assert sheet.max_row == 31


def test_a_column_without_a_width_is_as_wide_as_its_heading_and_first_values():
    rows = [("A label much longer than its heading", Decimal("1234567.89"), "x")]
    data = xlsx.workbook([xlsx.Sheet("Sized", ["Name", "Amount", "A long heading"], rows)])
    sheet = _read(data)["Sized"]
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths == [len(rows[0][0]) + 2, len("1,234,567.89") + 2, len("A long heading") + 2]
    assert sheet.row_dimensions[1].height == 15  # every heading on one line


def test_sheet_titles_are_ones_a_workbook_takes():
    taken: set[str] = set()
    names = [
        xlsx.sheet_title(title, taken)
        for title in ["Budget lines", "budget LINES", "A/B: [draft]?", "x" * 40, "", "'quoted'"]
    ]
    assert names == [
        "Budget lines",
        "budget LINES (2)",
        "A B   draft",
        "x" * 31,
        "Sheet",
        "quoted",
    ]
    data = xlsx.workbook([xlsx.Sheet(title, ["A"], [("a",)]) for title in ["One", "one", "T'wo"]])
    assert _read(data).sheetnames == ["One", "one (2)", "T'wo"]


def test_every_part_of_the_package_is_well_formed_xml():
    data = xlsx.workbook(
        [
            xlsx.Sheet("First", ["A", "B"], [("<x>", Decimal("1.50"))]),
            xlsx.Sheet("Second & last", ["C"], []),
        ]
    )
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
        assert "[Content_Types].xml" in names
        for name in names:
            ElementTree.fromstring(package.read(name))  # noqa: S314 (the test's own workbook)
    book = _read(data)
    assert book.sheetnames == ["First", "Second & last"]
    assert [c.value for c in book["Second & last"][1]] == ["C"]
    assert book["Second & last"].max_row == 1


def test_a_sheet_with_more_rows_than_a_sheet_holds_goes_on_in_further_sheets(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)  # the header and three rows a sheet
    rows = ((n,) for n in range(1, 8))
    data = xlsx.workbook([xlsx.Sheet("Lines", ["N"], rows), xlsx.Sheet("Other", ["M"], [])])
    book = _read(data)
    assert book.sheetnames == ["Lines", "Lines (2)", "Lines (3)", "Other"]
    values = {
        title: [row for (row,) in book[title].iter_rows(values_only=True)]
        for title in book.sheetnames
    }
    assert values == {
        "Lines": ["N", 1, 2, 3],
        "Lines (2)": ["N", 4, 5, 6],
        "Lines (3)": ["N", 7],
        "Other": ["M"],
    }
    assert book["Lines (2)"].auto_filter.ref == "A1:A4"
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    exactly = _read(xlsx.workbook([xlsx.Sheet("Two", ["N"], [(1,), (2,)])]))
    assert exactly.sheetnames == ["Two"]


def test_a_rows_iterator_is_read_once_row_by_row():
    made = []

    def rows():
        for n in range(5000):
            made.append(n)
            yield (n, Decimal(n) / 100)

    data = xlsx.workbook([xlsx.Sheet("Many", ["N", "Amount"], rows())])
    assert len(made) == 5000
    sheet = _read(data)["Many"]
    assert sheet.max_row == 5001
    assert sheet["B5001"].value == pytest.approx(49.99)


def test_a_list_export_keeps_text_with_characters_a_workbook_cannot_hold(app, client, login_as):
    """A void's reason typed with a control character (pasted from another program) no longer
    stops the contributions list's workbook: the character is written as U+FFFD."""
    with app.app_context():
        secretariat = acting_secretariat()
        now = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)
        made = finance_operations.record_contribution(
            secretariat, org("UNDP"), date(2026, 1, 2), Decimal("10.00"), now=now
        )
        finance_operations.void_contribution(secretariat, made, "Typed\x1b twice", now=now)
        db.session.commit()
    login_as("secretariat")
    response = client.get("/finance/contributions?status=voided&export=xlsx")
    assert response.status_code == 200
    sheet = _read(response.data).active
    assert [c.value for c in sheet[2]][-1] == "Typed\ufffd twice"
