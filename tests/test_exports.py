"""Spreadsheets (CSV, XLSX) with exact amounts and no formula injection; the proposal
document PDF with its font, page numbers and access rules."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fund.accounts.models import User
from fund.extensions import db
from fund.finance import operations as finance_operations
from fund.finance.models import Allocation
from fund.proposals import operations
from fund.proposals.models import BudgetLine, Proposal, proposal_reference
from fund.reports import spreadsheets
from fund.reports.pdf import styles as fonts
from tests.conftest import login
from tests.factories import acting_secretariat, advance
from tests.helpers import organization as org
from tests.helpers import pdf_text

MIXED_SCRIPTS = "Côte d'Ivoire — Türkiye — مرحبا"
RECEIVED = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def records(app, create_user, make_proposal) -> dict[str, int]:
    """A funded programme with a tranche, a proposal with hostile text, two contributions."""
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    with app.app_context():
        secretariat, donor = acting_secretariat(), org("UNDP")
        finance_operations.record_contribution(
            secretariat,
            donor,
            date(2026, 1, 2),
            Decimal("1234567.89"),
            reference="-DEP-1",
            now=RECEIVED,
        )
        voided = finance_operations.record_contribution(
            secretariat, donor, date(2026, 1, 3), Decimal("10.00"), now=RECEIVED + timedelta(days=1)
        )
        finance_operations.void_contribution(
            secretariat, voided, "Typed twice", now=RECEIVED + timedelta(days=1)
        )
        db.session.commit()
    # Paid from the first contribution.
    funded = make_proposal(
        author, status="funded", title="Fair recruitment in Chile", allocated_on=date(2026, 1, 5)
    )
    hostile = make_proposal(author, title='=HYPERLINK("http://x.example")')
    with app.app_context():
        proposal = db.session.get(Proposal, hostile)
        lines = proposal.budget_lines
        lines[0].description = "+SUM(A1:A9)"
        lines[1].description = "@cmd|' /C calc'!A0"
        lines[1].amount = Decimal("400000.07")
        advance(proposal, "submitted", author)
        allocation = db.session.scalar(select(Allocation).where(Allocation.proposal_id == funded))
        finance_operations.record_disbursement(
            acting_secretariat(), allocation, org("ILO").id, date(2026, 2, 1), Decimal("321000.05")
        )
        db.session.commit()
    return {"funded": funded, "hostile": hostile}


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte order mark
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# CSV -------------------------------------------------------------------------------------


def test_csv_tables_have_the_rows_and_exact_amounts(app, backend, client, login_as, records):
    login_as("secretariat")
    response = client.get("/reports/tables/proposals.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    proposals = {row["Proposal ref"]: row for row in read_csv(response.data)}
    funded = proposals[proposal_reference(records["funded"])]
    assert funded["Title"] == "Fair recruitment in Chile"
    assert funded["Status"] == "Funded"
    assert funded["Participating organizations"] == "ILO; IOM"
    assert funded["Direct costs (USD)"] == "1000000.00"
    assert funded["Indirect support costs (USD)"] == "70000.00"
    assert funded["Total budget (USD)"] == "1070000.00"
    assert funded["Allocated (USD)"] == "1070000.00"
    assert funded["Disbursed (USD)"] == "321000.05"

    lines = read_csv(client.get("/reports/tables/budget_lines.csv").data)
    amounts = [
        Decimal(r["Amount (USD)"])
        for r in lines
        if r["Proposal ref"] == proposal_reference(records["hostile"])
    ]
    assert amounts == [Decimal("600000.00"), Decimal("400000.07")]

    disbursements = read_csv(client.get("/reports/tables/disbursements.csv").data)
    assert [(r["Organization"], r["Paid on"], r["Amount (USD)"]) for r in disbursements] == [
        ("ILO", "2026-02-01", "321000.05")
    ]
    shares = read_csv(client.get("/reports/tables/allocation_shares.csv").data)
    assert sum(Decimal(r["Share (USD)"]) for r in shares) == Decimal("1070000.00")
    allocations = read_csv(client.get("/reports/tables/allocations.csv").data)
    assert [(r["Amount (USD)"], r["Still to pay (USD)"]) for r in allocations] == [
        ("1070000.00", "748999.95")
    ]

    contributions = read_csv(client.get("/reports/tables/contributions.csv").data)
    assert [
        (r["Gross (USD)"], r["Fee (USD)"], r["Net (USD)"], r["Voided"]) for r in contributions
    ] == [
        ("1234567.89", "12345.68", "1222222.21", "no"),
        ("10.00", "0.10", "9.90", "yes"),
    ]
    assert contributions[1]["Void reason"] == "Typed twice"
    # A deposit's currency, its amount in it and the rate used (a USD deposit: at the rate 1).
    assert [
        (r["Currency"], r["Amount in currency"], r["Exchange rate (USD per unit)"], r["Pledge ID"])
        for r in contributions
    ] == [("USD", "1234567.89", "1", ""), ("USD", "10", "1", "")]


def test_csv_neutralises_formulas_in_text(client, login_as, records):
    login_as("secretariat")
    proposals = read_csv(client.get("/reports/tables/proposals.csv").data)
    titles = {r["Proposal ref"]: r["Title"] for r in proposals}
    assert titles[proposal_reference(records["hostile"])] == '\'=HYPERLINK("http://x.example")'
    descriptions = [
        r["Description"] for r in read_csv(client.get("/reports/tables/budget_lines.csv").data)
    ]
    assert "'+SUM(A1:A9)" in descriptions
    assert "'@cmd|' /C calc'!A0" in descriptions
    contributions = read_csv(client.get("/reports/tables/contributions.csv").data)
    assert contributions[0]["Reference"] == "'-DEP-1"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_neutralise_prefixes_formula_triggers(text):
    assert spreadsheets.neutralise(text) == "'" + text


def test_neutralise_leaves_ordinary_text():
    assert spreadsheets.neutralise("Côte d'Ivoire = partner") == "Côte d'Ivoire = partner"


def test_unknown_table_is_not_found(client, login_as):
    login_as("secretariat")
    assert client.get("/reports/tables/users.csv").status_code == 404


@pytest.mark.parametrize("path", ["/reports/workbook.xlsx", "/reports/tables/proposals.csv"])
def test_spreadsheets_are_for_the_secretariat(client, login_as, path):
    login_as("applicant")
    assert client.get(path).status_code == 403


# XLSX ------------------------------------------------------------------------------------


def test_workbook_has_a_sheet_per_table_with_exact_numbers(backend, client, login_as, records):
    login_as("secretariat")
    response = client.get("/reports/workbook.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == list(spreadsheets.TABLE_TITLES.values())

    sheet = workbook["Proposals"]
    header = [c.value for c in sheet[1]]
    rows = {
        r[0]: dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    funded = rows[proposal_reference(records["funded"])]
    assert Decimal(str(funded["Total budget (USD)"])) == Decimal("1070000.00")
    assert Decimal(str(funded["Disbursed (USD)"])) == Decimal("321000.05")
    assert funded["Planned start"].date() > date(2026, 1, 1)

    for row in sheet.iter_rows(min_row=2):
        cell = row[header.index("Total budget (USD)")]
        assert cell.data_type == "n"
        assert cell.number_format == spreadsheets.MONEY_FORMAT == '"USD" #,##0.00'

    contributions = workbook["Contributions"]
    gross = [r[3] for r in contributions.iter_rows(min_row=2, values_only=True)]
    assert [Decimal(str(g)) for g in gross] == [Decimal("1234567.89"), Decimal("10.00")]

    # The stored digits themselves, not only what a float reads back as.
    with zipfile.ZipFile(io.BytesIO(response.data)) as package:
        sheets = "".join(
            package.read(n).decode("utf-8")
            for n in package.namelist()
            if n.startswith("xl/worksheets/sheet")
        )
    assert "<v>1234567.89</v>" in sheets
    assert "<v>321000.05</v>" in sheets
    assert "<v>400000.07</v>" in sheets


def test_workbook_text_is_never_a_formula(client, login_as, records):
    login_as("secretariat")
    workbook = load_workbook(io.BytesIO(client.get("/reports/workbook.xlsx").data))
    titles = {row[0].value: row[1] for row in workbook["Proposals"].iter_rows(min_row=2)}
    title = titles[proposal_reference(records["hostile"])]
    assert title.value == '\'=HYPERLINK("http://x.example")'
    assert title.data_type == "s"
    formulas = [
        cell.coordinate
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []


def test_workbook_keeps_text_with_characters_a_workbook_cannot_hold(app, client, login_as, records):
    """A reason typed in a text area may hold control characters (pasted from a terminal or
    another program). XML 1.0, and so a workbook, cannot hold them: the workbook is still
    made, each such character written as U+FFFD, the rest of the text as typed."""
    with app.app_context():
        secretariat = acting_secretariat()
        pasted = finance_operations.record_contribution(
            secretariat, org("UNDP"), date(2026, 1, 2), Decimal("5.00"), now=RECEIVED
        )
        finance_operations.void_contribution(
            secretariat, pasted, "Pasted\x1b[0m twice\x0b\x7f", now=RECEIVED
        )
        db.session.commit()
    login_as("secretariat")
    response = client.get("/reports/workbook.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["Contributions"]
    header = [c.value for c in sheet[1]]
    reasons = [r[header.index("Void reason")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert "Pasted\ufffd[0m twice\ufffd\x7f" in reasons


def test_cli_exports_the_workbook_and_csv(app, runner, records, tmp_path):
    out = tmp_path / "fund.xlsx"
    result = runner.invoke(args=["fund", "export", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).sheetnames == list(spreadsheets.TABLE_TITLES.values())
    out = tmp_path / "disbursements.csv"
    result = runner.invoke(
        args=["fund", "export", "csv", "--table", "disbursements", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Disbursements: 1 row written to" in result.output  # the singular for one
    assert [r["Amount (USD)"] for r in read_csv(out.read_bytes())] == ["321000.05"]
    result = runner.invoke(args=["fund", "export", "csv", "--table", "users", "--out", str(out)])
    assert result.exit_code != 0


# Proposal document PDF -------------------------------------------------------------------


@pytest.fixture
def submitted(app, create_user, make_proposal) -> tuple[User, int]:
    """A submitted proposal with a title in three scripts and enough lines for several pages."""
    author = create_user(roles=("applicant",), organization_acronym="ILO")
    proposal_id = make_proposal(author, title=MIXED_SCRIPTS)
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.summary = "Programme in Abidjan and İstanbul for Ñuñoa's migrants."
        ilo, iom = org("ILO"), org("IOM")
        proposal.budget_lines = [
            BudgetLine(
                organization_id=(ilo if n % 2 else iom).id,
                objective_number=6 if n % 3 else 18,
                category_code=n % 7 + 1,
                amount=Decimal("20000.00") + n,
                description=f"Line {n}: training of labour inspectors in recruitment practices",
            )
            for n in range(60)
        ]
        operations.fire(proposal, "submit", db.session.get(User, author.id))
        db.session.commit()
    return author, proposal_id


def test_proposal_pdf_renders_every_script_with_page_numbers(app, client, submitted):
    author, proposal_id = submitted
    login(client, author.email)
    response = client.get(f"/proposals/{proposal_id}/versions/1.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f"P-{proposal_id:05d}-version-1.pdf" in response.headers["Content-Disposition"]
    reader, text = pdf_text(response.data)
    pages = len(reader.pages)
    assert pages >= 2
    assert MIXED_SCRIPTS in text
    assert "İstanbul for Ñuñoa's" in text
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert f"Proposal P-{proposal_id:05d} · version 1" in text
    assert "Migration Multi-Partner Trust Fund" in text
    assert "Generated " in text and " UTC" in text
    # Sections of the snapshot, and the budget arithmetic (60 lines of 20,000 + n).
    for heading in (
        "Summary",
        "Rationale",
        "Participating UN organizations",
        "Guiding principles",
        "Contact persons",
        "Geography",
        "Endorsing governments",
        "Timeline",
        "Planned end",
        "GCM objectives",
        "Objective 18: Skills development",
        "Gender and human rights markers",
        "Human rights marker",
        "Budget",
        "Indirect support cost rate",
        "All 60 budget lines",
        "Attachments",
        "endorsement-chile.pdf",
    ):
        assert heading in text
    direct = sum(Decimal("20000.00") + n for n in range(60))
    assert f"{direct:,.2f}" in text
    assert "Line 59: training" in text
    # Only the embedded DejaVu faces are used: no standard font that lacks the glyphs.
    faces = {
        str(font["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert faces <= {"DejaVuSans", "DejaVuSans-Bold"}


def test_proposal_pdf_writes_the_indirect_rate_in_the_pages_language(client, submitted):
    """The rate within the translated sentence is written as the language writes a share."""
    author, proposal_id = submitted
    login(client, author.email)
    texts = {}
    for language in ("en", "fr"):
        response = client.get(f"/proposals/{proposal_id}/versions/1.pdf?lang={language}")
        assert response.status_code == 200
        texts[language] = " ".join(pdf_text(response.data)[1].replace("\u00a0", " ").split())
    assert "7.00% of each organization's direct costs" in texts["en"]
    assert "7,00 % des coûts directs" in texts["fr"], texts["fr"][:2000]
    assert "7.00%" not in texts["fr"]


@pytest.mark.parametrize(
    ("roles", "organization", "expected"),
    [
        (("applicant",), "UNDP", 404),  # another organization's proposal
        (("committee",), "IOM", 404),  # not yet before the committee
        (("secretariat",), "ILO", 200),
    ],
)
def test_proposal_pdf_follows_who_may_see_the_proposal(
    client, login_as, submitted, roles, organization, expected
):
    _, proposal_id = submitted
    login_as(*roles, organization_acronym=organization)
    assert client.get(f"/proposals/{proposal_id}/versions/1.pdf").status_code == expected


def test_proposal_pdf_of_a_missing_version_is_not_found(client, login_as, submitted):
    _, proposal_id = submitted
    login_as("secretariat")
    assert client.get(f"/proposals/{proposal_id}/versions/2.pdf").status_code == 404
    assert client.get("/proposals/9999/versions/1.pdf").status_code == 404


def test_proposal_pdf_asks_anonymous_visitors_to_sign_in(client, submitted):
    _, proposal_id = submitted
    response = client.get(f"/proposals/{proposal_id}/versions/1.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_proposal_page_links_the_pdf_of_each_version(client, login_as, submitted):
    _, proposal_id = submitted
    login_as("secretariat")
    page = client.get(f"/proposals/{proposal_id}").get_data(as_text=True)
    assert re.search(rf'href="/proposals/{proposal_id}/versions/1\.pdf">Download as PDF', page)


def test_pdf_is_made_from_the_snapshot_not_the_current_record(app, client, login_as, submitted):
    _, proposal_id = submitted
    with app.app_context():
        db.session.get(Proposal, proposal_id).title = "Renamed after submission"
        db.session.commit()
    login_as("secretariat")
    _, text = pdf_text(client.get(f"/proposals/{proposal_id}/versions/1.pdf").data)
    assert MIXED_SCRIPTS in text
    assert "Renamed after submission" not in text


# Font ------------------------------------------------------------------------------------


def test_fonts_register_once_with_a_bold_face():
    from reportlab.lib.fonts import tt2ps
    from reportlab.pdfbase import pdfmetrics

    assert fonts.register_fonts() == fonts.register_fonts() == fonts.FAMILY
    assert {fonts.REGULAR, fonts.BOLD} <= set(pdfmetrics.getRegisteredFontNames())
    assert tt2ps(fonts.FAMILY, 1, 0) == fonts.BOLD
    assert (fonts.FONT_DIR / "LICENSE-DejaVu.txt").read_text().count("Bitstream") >= 3


def test_every_character_of_the_sample_has_a_glyph():
    from reportlab.pdfbase import pdfmetrics

    fonts.register_fonts()
    face = pdfmetrics.getFont(fonts.REGULAR).face
    shown = fonts.display_text(MIXED_SCRIPTS + " ÀÉÎÕÜ ñ ç ğ ş İ \u0131")
    assert [c for c in shown if ord(c) not in face.charToGlyph] == []


def test_display_text_joins_arabic_and_leaves_latin_alone():
    assert fonts.display_text("Côte d'Ivoire") == "Côte d'Ivoire"
    shown = fonts.display_text("مرحبا")
    assert shown != "مرحبا"
    assert unicodedata.normalize("NFKC", shown)[::-1] == "مرحبا"  # joined forms, visual order
    assert fonts.markup("a < b & c\nd") == "a &lt; b &amp; c<br/>d"


def test_proposal_pdf_names_an_endorsement_letters_country_after_the_languages_colon(app):
    from flask_babel import force_locale

    from fund.proposals.presentation import ReferenceNames
    from fund.reports.proposal_pdf import ProposalDocument

    names = ReferenceNames({}, {"KE": "Kenya"}, {}, {}, {})
    letter = {"kind": "endorsement_letter", "country": "KE"}
    with app.test_request_context():
        document = ProposalDocument({}, names)
        assert document._attachment_kind(letter) == "Government endorsement letter: Kenya (KE)"
        assert document._attachment_kind({"kind": "budget"}) == "Detailed budget"
        with force_locale("fr"):
            assert "\u00a0: Kenya (KE)" in document._attachment_kind(letter)


CSV_DOWNLOADS = [f"/reports/tables/{name}.csv" for name in spreadsheets.TABLE_NAMES] + [
    "/audit/export.csv",
    "/audit/?export=csv",
    "/proposals?export=csv",
    "/screening/?export=csv",
    "/finance/?allocations_export=csv",
    "/finance/contributions?export=csv",
    "/committee/?voted_export=csv",
]


def test_every_csv_download_names_its_character_set_once(app, client, create_user):
    user = create_user(roles=("secretariat", "administrative_agent", "admin", "committee"))
    login(client, user.email)
    urls = CSV_DOWNLOADS
    for url in urls:
        response = client.get(url)
        response.get_data()  # a streamed download is read to its end
        response.close()
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8", url


def test_every_csv_download_starts_with_a_byte_order_mark(app, client, create_user):
    """A spreadsheet program opening a CSV reads it as UTF-8 only after a byte order mark:
    without one, accented names come out garbled. Every CSV the fund gives has one, the lists'
    and the audit log's as the report tables'."""
    user = create_user(roles=("secretariat", "administrative_agent", "admin", "committee"))
    login(client, user.email)
    for url in CSV_DOWNLOADS:
        response = client.get(url)
        body = response.get_data()
        response.close()
        assert body.startswith(b"\xef\xbb\xbf"), url
        assert not body[3:].startswith(b"\xef\xbb\xbf"), url  # once
