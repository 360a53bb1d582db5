"""Locust users for the load test (`python -m bench.load` runs them; see bench/README.md).

A mix of applicants browsing their proposals and saving their drafts, committee members
reading proposals under review and voting, and the secretariat viewing the coverage dashboard
and the proposal lists. Every simulated person signs in with the real form (CSRF token and
password) as one of the bench accounts of `bench.generate`, listed with the proposals and
rounds it may act on in the plan file written by `bench.load` (FUND_LOAD_PLAN). Each
successful vote is logged (FUND_LOAD_VOTE_LOG) so that `bench.load` can check the votes in the
database against them: none lost, none duplicated.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import lxml.html
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

PLAN: dict[str, Any] = json.loads(Path(os.environ["FUND_LOAD_PLAN"]).read_text())
# "full": the mix. "no-coverage": the same people, but without the two pages that compute
# the coverage figures on each request (the dashboard, and the committee review page with its
# coverage effect): members read the proposal page before voting, the secretariat the audit log.
MIX = os.environ.get("FUND_LOAD_MIX", "full")
VOTE_LOG: list[dict[str, Any]] = []
_next = {role: itertools.count() for role in ("applicant", "committee", "secretariat")}
# Several nodes (FUND_LOAD_HOSTS, comma-separated base addresses): the people are dealt out to
# them in turn, each staying on its node as a proxy with sticky sessions would keep it.
HOSTS = [host for host in os.environ.get("FUND_LOAD_HOSTS", "").split(",") if host]
_next_host = itertools.count()
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _account(role: str) -> dict[str, Any]:
    """The next bench account of `role`: each simulated person has its own (shared only when
    there are more people than accounts, which the plan avoids for applicants and members)."""
    accounts = PLAN[role]
    return accounts[next(_next[role]) % len(accounts)]


class Person(FastHttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    role = ""

    def __init__(self, environment: Any) -> None:
        if HOSTS:
            self.host = HOSTS[next(_next_host) % len(HOSTS)]
        super().__init__(environment)

    def on_start(self) -> None:
        self.account = _account(self.role)
        page = self.client.get("/login", name="/login").text
        token = CSRF.search(page).group(1)
        body = {"email": self.account["email"], "password": PLAN["password"], "csrf_token": token}
        with self.client.post(
            "/login",
            data=urlencode(body),
            headers=FORM,
            name="/login [POST]",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in refused: HTTP {response.status_code}")


class Applicant(Person):
    weight = 10
    role = "applicant"

    @task(4)
    def proposal_list(self) -> None:
        self.client.get("/proposals", name="/proposals")

    @task(3)
    def own_proposal(self) -> None:
        proposal = random.choice(self.account["proposals"])
        self.client.get(f"/proposals/{proposal}", name="/proposals/[id]")

    @task(1)
    def save_draft(self) -> None:
        """Open a draft's form and save it with one field changed, as a browser would post it."""
        if not self.account["drafts"]:
            return
        proposal = random.choice(self.account["drafts"])
        page = self.client.get(f"/proposals/{proposal}/edit", name="/proposals/[id]/edit")
        if page.status_code != 200:
            return
        form = next(
            f for f in lxml.html.fromstring(page.text).forms if "proposal-form" in f.get("class")
        )
        areas = set(form.xpath(".//textarea/@name"))
        values = []
        for name, value in form.form_values():
            if name in areas and value.startswith("\n"):
                value = value[1:]  # a browser drops the newline that opens a textarea
            if name == "summary":
                value = f"Edited under load ({random.randint(1, 10**6)})."
            values.append((name, value))
        with self.client.post(
            f"/proposals/{proposal}/edit",
            data=urlencode(values),
            headers=FORM,
            name="/proposals/[id]/edit [POST]",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"draft not saved: HTTP {response.status_code}")


class CommitteeMember(Person):
    weight = 3
    # One simulated member per seat when the committee is smaller than its weight's share
    # (bench/load.py sets it); the others are split between applicants and the secretariat.
    fixed_count = int(os.environ.get("FUND_LOAD_COMMITTEE") or 0)
    role = "committee"

    def on_start(self) -> None:
        super().on_start()
        # Rounds where this member may vote and had not: first votes, then some changed.
        self.fresh = list(self.account["rounds"])
        random.shuffle(self.fresh)
        self.voted: list[tuple[int, int]] = []

    @task(1)
    def member_page(self) -> None:
        self.client.get("/committee/", name="/committee/")

    @task(4)
    def vote(self) -> None:
        """Read a proposal under review, then vote on its round (sometimes change a vote)."""
        if self.voted and (not self.fresh or random.random() < 0.25):
            round_id, proposal = random.choice(self.voted)
        elif self.fresh:
            round_id, proposal = self.fresh.pop()
            self.voted.append((round_id, proposal))
        else:
            return
        if MIX == "full":
            page = self.client.get(
                f"/committee/proposals/{proposal}", name="/committee/proposals/[id]"
            )
        else:
            page = self.client.get(f"/proposals/{proposal}", name="/proposals/[id] (member)")
        match = CSRF.search(page.text or "")
        if page.status_code != 200 or match is None:
            return
        choice = random.choice(["approve", "approve", "abstain", "reject"])
        body = {
            "csrf_token": match.group(1),
            "choice": choice,
            "comment": "Not convincing yet." if choice == "reject" else "",
            "conditions": "",
        }
        with self.client.post(
            f"/committee/rounds/{round_id}/vote",
            data=urlencode(body),
            headers=FORM,
            name="/committee/rounds/[id]/vote [POST]",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            ok = response.status_code == 302
            if not ok:
                response.failure(f"vote refused: HTTP {response.status_code}")
            VOTE_LOG.append(
                {
                    "round_id": round_id,
                    "email": self.account["email"],
                    "choice": choice,
                    "ok": ok,
                }
            )


class Secretariat(Person):
    weight = 1
    role = "secretariat"

    @task(3)
    def dashboard(self) -> None:
        if MIX == "full":
            self.client.get("/coverage/", name="/coverage/")
        else:
            self.client.get("/audit/", name="/audit/")

    @task(2)
    def proposal_list(self) -> None:
        status = random.choice(["", "submitted", "committee_review", "funded"])
        page = random.randint(1, 5)
        self.client.get(f"/proposals?status={status}&page={page}", name="/proposals?status&page")


@events.spawning_complete.add_listener
def _reset_after_warmup(**_kwargs: Any) -> None:
    """With FUND_LOAD_WARMUP seconds, reset the statistics once more that long after everyone
    arrived: what remains is the steady state, without the sign-in burst."""
    warmup = int(os.environ.get("FUND_LOAD_WARMUP", "0") or 0)
    if warmup > 0:
        import gevent

        gevent.spawn_later(warmup, _ENVIRONMENT[0].stats.reset_all)


_ENVIRONMENT: list[Any] = []


@events.init.add_listener
def _remember(environment: Any, **_kwargs: Any) -> None:
    _ENVIRONMENT.append(environment)


@events.test_stop.add_listener
def _write_vote_log(**_kwargs: Any) -> None:
    path = os.environ.get("FUND_LOAD_VOTE_LOG")
    if path:
        Path(path).write_text(json.dumps(VOTE_LOG))
