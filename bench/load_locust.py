"""The mixed traffic of the load test, run by locust under `bench/load.py` (not on its own).

Principals edit their letter (the editor's page, then autosaves as `letter-autosave.js` sends
them), referents answer their bilan (a page, then its saving), DANE admins read the overview and
the lists of who still has to act; every user also asks, now and then, for the bare view. No
user waits between requests: the load is as heavy as the server allows. With
`RUPN_LOAD_BARE_ONLY=1` (`bench/load.py --bare-only`), the same users ask for the bare view alone.

`bench/load.py` passes, through the environment, the file of the accounts it prepared
(`RUPN_LOAD_ACCOUNTS`), where to write the server timings collected from the `Server-Timing`
headers (`RUPN_LOAD_TIMINGS`) and the bound on the number of requests (`RUPN_LOAD_MAX_REQUESTS`).
"""

from __future__ import annotations

import itertools
import json
import os
import re
from http.cookiejar import Cookie
from typing import Any
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, constant, events, task
from locust.env import Environment
from locust.exception import StopUser

from bench.load_forms import FormFields, autosave_fields, form_of

ACCOUNTS: dict[str, Any] = json.loads(open(os.environ["RUPN_LOAD_ACCOUNTS"]).read())
TIMINGS_PATH = os.environ["RUPN_LOAD_TIMINGS"]
MAX_REQUESTS = int(os.environ.get("RUPN_LOAD_MAX_REQUESTS", "100000"))
# Users of each role: principals, referents, DANE.
MIX = [int(n) for n in os.environ.get("RUPN_LOAD_MIX", "1,1,1").split(",")]
FORM_CONTENT = {"Content-Type": "application/x-www-form-urlencoded"}
BARE = "vue nue"

# name -> [(server ms, SQL ms, queries)], filled from the Server-Timing headers.
timings: dict[str, list[tuple[float, float, int]]] = {}
sent = itertools.count(1)
TIMING = re.compile(r"(\w+);dur=([\d.]+)")


@events.request.add_listener
def _collect(name: str, response: Any = None, exception: Any = None, **_: Any) -> None:
    header = response.headers.get("Server-Timing") if response is not None else None
    if header:
        parts = {key: float(value) for key, value in TIMING.findall(header)}
        timings.setdefault(name, []).append((parts["app"], parts["sql"], int(parts["q"])))
    if next(sent) >= MAX_REQUESTS:
        runner = _environment.runner if _environment else None
        if runner is not None:
            runner.quit()


_environment: Environment | None = None


@events.init.add_listener
def _keep(environment: Environment, **_: Any) -> None:
    global _environment
    _environment = environment


@events.quitting.add_listener
def _write(**_: Any) -> None:
    with open(TIMINGS_PATH, "w") as out:
        json.dump(timings, out)


class Account(FastHttpUser):
    """A signed-in person: the session `bench/load.py` opened for them, as a cookie."""

    abstract = True
    wait_time = constant(0)
    role = ""

    def on_start(self) -> None:
        pool: list[dict[str, Any]] = ACCOUNTS[self.role]
        if not pool:
            raise StopUser()
        self.account = pool.pop()
        host = str(urlsplit(self.host or "").hostname or "127.0.0.1")
        self.client.cookiejar.set_cookie(
            Cookie(
                0, "sessionid", self.account["session"], None, False, host, False, False,
                "/", True, False, None, False, None, None, {},
            )
        )  # fmt: skip

    @task(1)
    def bare(self) -> None:
        self.client.get("/banc/nu/", name=BARE)


class Principal(Account):
    """Opens the editor of their draft letter, then autosaves it twice, its free text changed."""

    role = "principals"
    fixed_count = MIX[0]
    form: FormFields | None = None
    edits = 0

    def open(self) -> None:
        url = f"/missions/lettres/{self.account['letter']}/modifier/"
        with self.client.get(url, name="lettre : éditeur", catch_response=True) as r:
            if r.status_code == 200:
                self.form = form_of(r.text or "", ("data-autosave", ""), fill=False)
                self.url = self.form.action or url

    @task(2)
    def editor(self) -> None:
        self.open()

    @task(4)
    def autosave(self) -> None:
        if self.form is None:
            self.open()
            return
        self.edits += 1
        fields = autosave_fields(self.form, self.edits)
        headers = {**FORM_CONTENT, "X-Autosave": "1", "Accept": "application/json"}
        with self.client.post(
            self.url,
            data=urlencode(fields),
            headers=headers,
            name="lettre : autosave",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code == 200:
                revision = str(json.loads(r.text or "{}")["revision"])
                self.form.fields = [
                    (n, revision if n == "revision" else v) for n, v in self.form.fields
                ]
            else:
                r.failure(f"autosave : {r.status_code} {(r.text or '')[:200]}")


class Referent(Account):
    """Answers the pages of their bilan in turn, each shown then saved."""

    role = "referents"
    fixed_count = MIX[1]
    number = 1
    pages = 5

    @task(5)
    def answer(self) -> None:
        url = f"/enquetes/reponse/{self.account['invitation']}/page/{self.number}/"
        with self.client.get(url, name="bilan : page", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"page du bilan : {r.status_code}")
                return
            form = form_of(r.text or "", ("class", "rupn-survey-form"))
        with self.client.post(
            form.action or url,
            data=urlencode(form.fields),
            headers=FORM_CONTENT,
            name="bilan : enregistrer",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"enregistrement du bilan : {r.status_code} {(r.text or '')[:300]}")
        self.number = self.number % self.pages + 1


class Dane(Account):
    """Reads the overview and the lists of who still has to act, in turn."""

    role = "dane"
    fixed_count = MIX[2]
    lists = ("brouillons", "signature-referent", "bilans", "sans-referent")

    @task(2)
    def overview(self) -> None:
        self.client.get("/tableau-de-bord/", name="DANE : vue d’ensemble")

    @task(3)
    def to_act(self) -> None:
        self.lists = (*self.lists[1:], self.lists[0])
        self.client.get(f"/tableau-de-bord/a-faire/?liste={self.lists[0]}", name="DANE : à faire")


def _bare_only() -> None:
    """Every user on the bare view (a function: locust takes any user class left in the
    module's names for one more kind of user)."""
    for user_class in (Principal, Referent, Dane):
        user_class.tasks = [Account.bare]


if os.environ.get("RUPN_LOAD_BARE_ONLY") == "1":
    _bare_only()
