"""The administrative agent's recording forms (contributions, pledges, interest, direct costs)
post to a fragment of their page: on a refusal that fragment must be the error summary itself,
focusable, so the browser focuses it (a jump to another element takes the focus the summary's
script gave it, and screen readers would not announce the problems)."""

from __future__ import annotations

import re

import pytest

from tests.helpers import csrf_token

PAGES = ["/finance/contributions", "/finance/pledges", "/finance/interest", "/finance/direct-costs"]


@pytest.mark.parametrize("page", PAGES)
def test_a_refused_record_lands_on_its_focused_error_summary(agent_client, page):
    form = re.search(r'<form method="post" action="([^"#]*)#([^"]+)"', agent_client.get(page).text)
    assert form, "the recording form posts to a part of its page"
    action, fragment = form.groups()
    token = csrf_token(agent_client, page)
    refused = agent_client.post(action, data={"csrf_token": token})
    assert refused.status_code == 400
    target = re.search(rf'<[^>]*\bid="{re.escape(fragment)}"[^>]*>', refused.text)
    assert target, f"#{fragment} is not on the refused page"
    assert 'class="error-summary"' in target.group(0) and 'tabindex="-1"' in target.group(0)
