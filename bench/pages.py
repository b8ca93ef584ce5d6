"""Each page of the load test measured alone, in one process, through Django's test client:
processor time, SQL time and query count per request, and optionally a profile.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rupn_bench_load \\
        .venv/bin/python bench/pages.py [--requests 50] [--page NAME] [--profile FILE.prof] \\
        [--queries]

On the dataset of `bench/national_dataset.py`, with the accounts `bench/load.py` prepares (one
principal, one referent, one DANE admin of Bordeaux), each kind of request of
`bench/load_locust.py` is sent `--requests` times after a few warm-up requests, and the script
prints per kind the least, median and p95 processor time of the process (`time.process_time`: the
application's own work, without the time spent waiting on PostgreSQL), the median wall time, SQL
time and query count. Nothing runs concurrently, so the figures are those of one request on an
idle server; the machine's load is printed beside them. `--queries` prints the SQL of one
request of each kind; `--profile` writes a cProfile of the measured requests (of `--page` only
when given) for `python -m pstats` or snakeviz.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench.load import prepare  # noqa: E402  (sets Django up with the load test's settings)
from bench.load_forms import autosave_fields, form_of  # noqa: E402
from tenancy.guard import scopes_disabled  # noqa: E402

FORM = "application/x-www-form-urlencoded"


class Pages:
    """The requests of the load test's users, one client per role. Each kind is a pair: what
    to do first, untimed (read the form a request will send), and the request measured."""

    def __init__(self, accounts: dict[str, list[dict[str, Any]]]) -> None:
        def client(account: dict[str, Any]) -> Client:
            c = Client()
            c.cookies["sessionid"] = account["session"]
            return c

        self.principal = client(accounts["principals"][0])
        self.letter = accounts["principals"][0]["letter"]
        self.referent = client(accounts["referents"][0])
        self.invitation = accounts["referents"][0]["invitation"]
        self.dane = client(accounts["dane"][0])
        self.lists = ["brouillons", "signature-referent", "bilans", "sans-referent"]
        self.edits = 0
        self.form: Any = None
        self.bilan_form: Any = None
        self.number = 1

    def nothing(self) -> None:
        pass

    def editor(self) -> Any:
        r = self.principal.get(f"/missions/lettres/{self.letter}/modifier/")
        assert r.status_code == 200, r.status_code
        return r

    def read_editor_form(self) -> None:
        if self.form is None:
            html = self.editor().content.decode()
            self.form = form_of(html, ("data-autosave", ""), fill=False)

    def autosave(self) -> Any:
        self.edits += 1
        fields = autosave_fields(self.form, self.edits)
        r = self.principal.post(
            self.form.action or f"/missions/lettres/{self.letter}/modifier/",
            data=urlencode(fields),
            content_type=FORM,
            headers={"X-Autosave": "1", "Accept": "application/json"},
        )
        assert r.status_code == 200, (r.status_code, r.content[:300])
        revision = str(json.loads(r.content)["revision"])
        self.form.fields = [(n, revision if n == "revision" else v) for n, v in self.form.fields]
        return r

    def next_page(self) -> None:
        self.number = self.number % 5 + 1

    def bilan_page(self) -> Any:
        r = self.referent.get(f"/enquetes/reponse/{self.invitation}/page/{self.number}/")
        assert r.status_code == 200, r.status_code
        return r

    def read_bilan_form(self) -> None:
        self.next_page()
        html = self.bilan_page().content.decode()
        self.bilan_form = form_of(html, ("class", "rupn-survey-form"))

    def bilan_save(self) -> Any:
        url = f"/enquetes/reponse/{self.invitation}/page/{self.number}/"
        form = self.bilan_form
        r = self.referent.post(form.action or url, data=urlencode(form.fields), content_type=FORM)
        assert r.status_code == 302, (r.status_code, r.content[:300])
        return r

    def overview(self) -> Any:
        r = self.dane.get("/tableau-de-bord/")
        assert r.status_code == 200, r.status_code
        return r

    def to_act(self, liste: str) -> Callable[[], Any]:
        def get() -> Any:
            r = self.dane.get(f"/tableau-de-bord/a-faire/?liste={liste}")
            assert r.status_code == 200, r.status_code
            return r

        return get

    def bare(self) -> Any:
        return self.dane.get("/banc/nu/")

    def plain(self) -> Any:
        r = self.principal.get("/accessibilite/")
        assert r.status_code == 200, r.status_code
        return r


class Timer:
    """SQL time and query count of what runs inside."""

    def __init__(self) -> None:
        self.sql = 0.0
        self.queries = 0
        self.log: list[str] = []

    def __call__(self, execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, *args)
        finally:
            spent = time.perf_counter() - start
            self.sql += spent
            self.queries += 1
            self.log.append(f"{spent * 1000:6.2f} ms  {sql}")


def measure(
    name: str,
    first: Callable[[], Any],
    send: Callable[[], Any],
    *,
    count: int,
    show: bool,
    profiler: Any,
) -> dict[str, float]:
    for _ in range(3):
        first()
        send()
    cpu, wall, sql, queries = [], [], [], []
    for n in range(count):
        first()
        timer = Timer()
        if profiler is not None:
            profiler.enable()
        c0, w0 = time.process_time(), time.perf_counter()
        with connection.execute_wrapper(timer):
            send()
        c1, w1 = time.process_time(), time.perf_counter()
        if profiler is not None:
            profiler.disable()
        cpu.append((c1 - c0) * 1000)
        wall.append((w1 - w0) * 1000)
        sql.append(timer.sql * 1000)
        queries.append(timer.queries)
        if show and n == 0:
            print(f"--- {name}: {timer.queries} requêtes")
            for q in timer.log:
                print("   ", q[:300])
    cpu.sort()
    return {
        # The least of the runs: another process on the cores only ever adds to it.
        "min": cpu[0],
        "cpu": statistics.median(cpu),
        "cpu95": cpu[min(len(cpu) - 1, round(0.95 * (len(cpu) - 1)))],
        "wall": statistics.median(wall),
        "sql": statistics.median(sql),
        "queries": statistics.median(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--page", default="", help="une seule page (nom, ou début du nom)")
    parser.add_argument("--profile", default="", help="fichier .prof (cProfile)")
    parser.add_argument("--queries", action="store_true", help="le SQL d’une requête par page")
    args = parser.parse_args()
    if "bench" not in str(connection.settings_dict["NAME"]):
        parser.error("la base doit être une base de mesure (son nom contient « bench »)")
    with scopes_disabled():
        accounts = prepare(1)
    pages = Pages(accounts)
    kinds: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
        "vue nue": (pages.nothing, pages.bare),
        # The site's frame (header, menu, footer) around a page of text: the floor of a page.
        "page simple": (pages.nothing, pages.plain),
        "DANE : vue d’ensemble": (pages.nothing, pages.overview),
        **{
            f"DANE : à faire ({liste})": (pages.nothing, pages.to_act(liste))
            for liste in pages.lists
        },
        "lettre : éditeur": (pages.nothing, pages.editor),
        "lettre : autosave": (pages.read_editor_form, pages.autosave),
        "bilan : page": (pages.next_page, pages.bilan_page),
        "bilan : enregistrer": (pages.read_bilan_form, pages.bilan_save),
    }
    # Processor time, as the figures: waiting on PostgreSQL is not what a profile should show.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"Avant : {load}")
    print(
        f"{'requête':<34} {'CPU min':>7} {'méd.':>6} {'p95':>6} {'durée':>6} {'SQL':>6} "
        f"{'req.':>4}  (ms)"
    )
    results = {}
    for name, (first, send) in kinds.items():
        if args.page and not name.startswith(args.page):
            continue
        results[name] = measure(
            name, first, send, count=args.requests, show=args.queries, profiler=profiler
        )
    for name, r in results.items():
        print(
            f"{name:<34} {r['min']:>7.1f} {r['cpu']:>6.1f} {r['cpu95']:>6.1f} {r['wall']:>6.1f} "
            f"{r['sql']:>6.1f} {r['queries']:>4.0f}"
        )
    print(f"Après : {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    if profiler is not None:
        profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
