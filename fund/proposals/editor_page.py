"""The guided proposal editor's page: the form in sections with their completeness (from the
submission checks), the stored budget's totals by organization with the indirect support
rate the running total applies, the attachments, and the steps to submit or withdraw."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user

from fund.extensions import utcnow
from fund.money import rate_ratio
from fund.proposals import editor_sections, operations, queries
from fund.proposals.budget import Line, summarise
from fund.proposals.checks import submission_problems, submission_state
from fund.proposals.forms import ActionForm, ProposalForm, UploadForm, upload_form
from fund.proposals.models import AttachmentKind, Proposal
from fund.proposals.results_check import results_warnings


def saved_anchor() -> str | None:
    """The section whose Save button was pressed, to come back to it after saving."""
    anchor = request.form.get("section", "")
    return anchor if anchor in editor_sections.ANCHORS else None


def render_editor(
    proposal: Proposal,
    form: ProposalForm,
    principle_titles: dict[str, str],
    *,
    message: str | None = None,
    status: int = 200,
    upload: UploadForm | None = None,
    upload_error: str | None = None,
    upload_field: str = "upload-file",
    typed: bool = False,
):
    """The editor's page; `typed`: its fields hold what was posted and refused, not the saved
    draft, so the page's script totals the fields as they are (the page's totals are saved);
    `upload_error`: why a file was not attached, linking to the upload form's `upload_field`."""
    rules = operations.rules_from_config(current_app.config, utcnow().date())
    problems = submission_problems(proposal, rules)
    warnings = results_warnings(proposal)
    summary = summarise(
        (
            Line(b.organization_id, b.objective_number, b.category_code, b.amount, b.year)
            for b in proposal.budget_lines
        ),
        rules.indirect_rate,
    )
    numerator, denominator = rate_ratio(rules.indirect_rate)
    actions = {rule.trigger: rule for rule in operations.allowed_actions(proposal, current_user)}
    return render_template(
        "proposals/edit.html",
        form=form,
        proposal=proposal,
        principle_titles=principle_titles,
        message=message,
        rate=rules.indirect_rate,
        rate_numerator=numerator,
        rate_denominator=denominator,
        problems=problems,
        warnings=warnings,
        window=submission_state(proposal, rules.today),
        sections=editor_sections.progress(problems, warnings),
        budget=summary,
        names=queries.organization_names(set(summary.by_organization)),
        upload_form=upload or upload_form(proposal),
        upload_error=upload_error,
        upload_field=upload_field,
        kind_labels=AttachmentKind.labels(),
        submit_rule=actions.get("submit"),
        withdraw_rule=actions.get("withdraw"),
        action_form=ActionForm(version=proposal.version),
        fields_typed=typed,
    ), status
