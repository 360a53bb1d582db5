"""Emails and in-app notifications are written in each recipient's language: their preference
(the account page), else English; whatever the language of the request that caused them."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from fund.extensions import db, utcnow
from fund.notifications import operations
from fund.notifications.models import Delivery, Notification, OutboxMessage
from fund.proposals import operations as proposal_operations
from fund.proposals.models import Proposal
from fund.signals import account_locked
from tests.helpers import user


def _written_to(person) -> tuple[OutboxMessage, Notification]:
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == person.id)).one()
    note = db.session.scalars(select(Notification).where(Notification.user_id == person.id)).one()
    return mail, note


def test_each_recipient_reads_the_submission_in_their_own_language(app, create_user, make_proposal):
    french = create_user(roles=("applicant",), name="Aline Auteur", language="fr")
    english = create_user(roles=("applicant",), name="Ann Author")
    arabic = create_user(roles=("applicant",), name="Amal", language="ar")
    spanish = create_user(
        roles=("secretariat",), organization_acronym="IOM", name="Sara", language="es"
    )
    proposal_id = make_proposal(french, title="Safe corridors")
    reference = f"P-{proposal_id:05d}"
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        # The one who acts reads the fund in another language: nobody else's message follows it.
        with force_locale("es"):
            proposal_operations.fire(proposal, "submit", user(french))
        db.session.flush()

        mail, note = _written_to(french)
        assert mail.subject == note.title == f"{reference} soumise\u00a0: Safe corridors"
        assert "Bonjour Aline Auteur," in mail.text_body
        assert f"Le secrétariat a reçu la proposition {reference}" in mail.text_body
        assert "Choisissez les messages que vous recevez, et quand" in mail.text_body
        assert '<html lang="fr" dir="ltr">' in mail.html_body
        assert "Ouvrir la proposition" in mail.html_body
        assert note.body.startswith("Le secrétariat a reçu la proposition")

        mail, note = _written_to(english)
        assert mail.subject == note.title == f"{reference} submitted: Safe corridors"
        assert "Dear Ann Author," in mail.text_body
        assert "The secretariat received your organization's proposal" in mail.text_body
        assert '<html lang="en" dir="ltr">' in mail.html_body
        assert note.body.startswith("The secretariat received your organization's proposal")

        mail, note = _written_to(arabic)
        assert mail.subject == note.title == f"قُدِّم {reference}: Safe corridors"
        assert "تلقّت الأمانة المقترح" in mail.text_body
        assert '<html lang="ar" dir="rtl">' in mail.html_body
        assert "فتح المقترح" in mail.html_body

        mail, note = _written_to(spanish)
        assert mail.subject == f"{reference} presentada: Safe corridors"
        assert f"ILO ha presentado la propuesta {reference}" in mail.text_body
        assert "cola de examen preliminar" in note.body
        db.session.rollback()


def test_a_digest_is_written_in_its_recipients_language(app, create_user, make_proposal):
    french = create_user(roles=("applicant",), language="fr")
    english = create_user(roles=("applicant",))
    with app.app_context():
        now = utcnow()
        for person in (french, english):
            for number in (1, 2):
                db.session.add(
                    Notification(
                        user_id=person.id,
                        kind="proposal_funded",
                        subject_type="proposal",
                        subject_id=number,
                        title=f"Title {number}",
                        body="",
                        link="",
                        created_at=now - timedelta(hours=number),
                        delivery=Delivery.DIGEST.value,
                    )
                )
        db.session.flush()
        assert operations.write_digests(now) == 2
        fund = app.config["FUND_NAME"]

        french_digest = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == french.id)
        ).one()
        assert french_digest.subject == f"{fund}\u00a0: 2 nouveautés"
        assert "depuis votre dernier récapitulatif (2 nouveautés)" in french_digest.text_body
        assert "Toutes vos notifications" in french_digest.html_body

        english_digest = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == english.id)
        ).one()
        assert english_digest.subject == f"{fund}: 2 updates"
        assert "since your last digest (2 updates)" in english_digest.text_body
        db.session.rollback()


def test_the_lockout_email_is_written_in_the_owners_language(app, create_user):
    arabic = create_user(roles=("applicant",), language="ar")
    english = create_user(roles=("applicant",))
    with app.app_context():
        now = utcnow()
        for person in (arabic, english):
            until = now + timedelta(minutes=15)
            account_locked.send(user(person), attempts=5, until=until, now=now)
        db.session.flush()
        fund = app.config["FUND_NAME"]

        mail = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == arabic.id)
        ).one()
        assert mail.subject == f"{fund}: حسابك مقفل"
        assert "بكلمة مرور خاطئة 5 مرات" in mail.text_body
        assert '<html lang="ar" dir="rtl">' in mail.html_body
        assert "إلغاء قفل حسابي" in mail.html_body

        mail = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == english.id)
        ).one()
        assert mail.subject == f"{fund}: your account is locked"
        assert "with a wrong password 5 times" in mail.text_body
        assert "Unlock my account" in mail.html_body
        db.session.rollback()


def test_a_list_in_a_text_email_is_separated_as_its_recipients_language_separates_one(
    app, create_user, make_proposal
):
    from decimal import Decimal

    from fund.notifications.render import render

    arabic = create_user(roles=("applicant",), language="ar")
    english = create_user(roles=("applicant",))
    proposal_id = make_proposal(arabic, title="Two organizations")
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        context = {
            "proposal": proposal,
            "reference": proposal.reference,
            "organization": "ILO",
            "comment": None,
            "closed_on": None,
            "not_disbursed": [("ILO", Decimal("10.00")), ("IOM", Decimal("20.00"))],
            "refunds_due": [],
            "reports_owed": [],
            "audience": "applicant",
            "link_url": "http://fund.test/proposals/1",
        }
        said_in_arabic = render("project_closed", "Closed", context, user(arabic)).text
        said_in_english = render("project_closed", "Closed", context, user(english)).text
    assert "US$\u2069، IOM" in said_in_arabic  # the amount set apart, then the comma
    assert "ILO USD 10.00, IOM USD 20.00." in said_in_english


def test_an_email_marks_the_title_with_the_language_it_is_written_in(
    app, create_user, make_proposal
):
    """The HTML email names the proposal with the language its title is written in where the
    recipient reads another (WCAG 3.1.2): a French title in an English message."""
    french = create_user(roles=("applicant",), name="Aline Auteur", language="fr")
    english = create_user(roles=("applicant",), name="Ann Author")
    proposal_id = make_proposal(french, title="Corridors sûrs")  # written in French, as its author
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.content_language == "fr"
        proposal_operations.fire(proposal, "submit", user(french))
        db.session.flush()
        to_english, _ = _written_to(english)
        to_french, _ = _written_to(french)
        assert '<span lang="fr" dir="auto">Corridors sûrs</span>' in to_english.html_body
        assert "Corridors sûrs" in to_french.html_body and 'lang="fr" dir="auto"' not in (
            to_french.html_body
        )
