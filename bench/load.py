"""Load test of the pages: gunicorn on PostgreSQL, mixed traffic from locust, on loopback only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rupn_bench_load \\
        .venv/bin/python bench/national_dataset.py        # once: the national-scale dataset
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rupn_bench_load \\
        .venv/bin/python bench/load.py [--users 32] [--duration 60] [--max-requests 60000] \\
        [--workers 2] [--threads 1] [--port 8054] [--bare-only]

On the dataset of `bench/national_dataset.py` (the database name must contain "bench"), in the
académie of Bordeaux (1 000 establishments): as many principals as users, each with a draft
letter of the current year to edit; as many referents, each with their invitation to the
current year's bilan (whose campaign this script opens: it is the only row it changes); and as
many DANE admins (the académie's own, signed in as many times). Their sessions are opened here
and given to locust as cookies. Then gunicorn serves `bench.load_settings` (the application plus
a `Server-Timing` header and the bare view `/banc/nu/`) on 127.0.0.1 only, locust sends its
users at it without pause for `--duration` seconds or `--max-requests` requests, whichever comes
first, and the script prints, per kind of request and in all: requests per second, median, p95
and p99 response times seen by the client, errors; and beside them the median server time (in
Django, middleware included) and the median SQL time and query count of that kind of request.
The machine's load (`uptime`) before and after is printed with them: the load generator and the
server share the same cores.

`--bare-only` sends the same users, signed in as they are, at the bare view alone: what this
machine serves when no page does any work (sessions, middleware, gunicorn and locust only), the
ceiling of any mix of pages measured here.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import ipaddress
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.load_settings"
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.acting import SESSION_KEY  # noqa: E402
from accounts.models import Membership, Role, User  # noqa: E402
from dashboards.overview_figures import refresh_overview_figures  # noqa: E402
from establishments.models import Academie, SchoolYear  # noqa: E402
from establishments.school_years import school_year_start_for  # noqa: E402
from missions.models import (  # noqa: E402
    Letter,
    LetterStatus,
    LetterTemplate,
    SectionKind,
    TemplateSection,
    TemplateTask,
)
from surveys.models import Audience, Campaign, SurveyInvitation, SurveyResponse  # noqa: E402
from tenancy.guard import scopes_disabled  # noqa: E402

BIN = Path(sys.executable).parent


def session_for(user: User, membership: Membership) -> str:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = membership.pk
    session.save()
    return str(session.session_key)


def prepare(users: int) -> dict[str, list[dict[str, Any]]]:
    """The accounts of the run, and the current bilan's campaign opened, on a database migrated
    to this code, with the académie's overview figures computed as the beat computes them."""
    call_command("migrate", verbosity=0)
    academie = Academie.objects.get(slug="bordeaux")
    refresh_overview_figures(academie_id=academie.pk)
    year = SchoolYear.objects.get(start_year=school_year_start_for(timezone.localdate()))
    now = timezone.now()
    campaign = Campaign.objects.get(
        academie=academie, survey__school_year=year, survey__audience=Audience.RUPN
    )
    campaign.opens_at = now - datetime.timedelta(days=1)
    campaign.closes_at = now + datetime.timedelta(days=30)
    campaign.save(update_fields=["opens_at", "closes_at"])

    # The dataset's templates have no sections: the year's template of the académie gets those
    # of a real one (a fixed text, ten tasks to tick, a free text), so that the editor shows them.
    template = LetterTemplate.objects.get(academie=academie, school_year=year)
    if not TemplateSection.objects.filter(template=template).exists():
        fixed, tasks, _free = TemplateSection.objects.bulk_create(
            [
                TemplateSection(
                    template=template,
                    position=1,
                    kind=SectionKind.FIXED_TEXT,
                    title="Cadre de la mission",
                    body="Le référent accompagne les usages pédagogiques du numérique.",
                ),
                TemplateSection(
                    template=template,
                    position=2,
                    kind=SectionKind.TASKS,
                    title="Missions confiées",
                    allows_own_tasks=True,
                ),
                TemplateSection(
                    template=template,
                    position=3,
                    kind=SectionKind.FREE_TEXT,
                    title="Précisions du chef d’établissement",
                ),
            ]
        )
        TemplateTask.objects.bulk_create(
            [
                TemplateTask(
                    section=tasks,
                    key=f"tache-{n}",
                    label=f"Tâche proposée numéro {n} : accompagner les collègues",
                    position=n,
                    checked_by_default=n % 2 == 0,
                )
                for n in range(1, 11)
            ]
        )

    principals = []
    letters = Letter.objects.filter(
        academie=academie, school_year=year, status=LetterStatus.DRAFT
    ).order_by("pk")
    seen: set[int] = set()
    for letter in letters.iterator():
        if letter.establishment_id in seen:
            continue
        membership = (
            Membership.objects.active()
            .filter(role=Role.PRINCIPAL, establishments=letter.establishment_id)
            .select_related("user")
            .first()
        )
        if membership is None:
            continue
        seen.add(letter.establishment_id)
        session = session_for(membership.user, membership)
        principals.append({"session": session, "letter": letter.pk})
        if len(principals) == users:
            break

    referents = []
    unanswered = SurveyInvitation.objects.filter(campaign=campaign).exclude(
        pk__in=SurveyResponse.objects.filter(submitted_at__isnull=False).values("invitation")
    )
    for invitation in unanswered.select_related("user").order_by("pk").iterator():
        membership = (
            Membership.objects.active()
            .filter(
                user=invitation.user,
                role=Role.RUPN,
                school_year=year,
                establishments=invitation.establishment_id,
            )
            .first()
        )
        if membership is None:
            continue
        referents.append(
            {"session": session_for(invitation.user, membership), "invitation": invitation.pk}
        )
        if len(referents) == users:
            break

    admin = Membership.objects.active().get(academie=academie, role=Role.DANE_ADMIN)
    dane = [{"session": session_for(admin.user, admin)} for _ in range(users)]
    return {"principals": principals, "referents": referents, "dane": dane}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(stats_csv: Path, timings_json: Path, duration: float) -> None:
    timings: dict[str, list[list[float]]] = json.loads(timings_json.read_text())
    rows = list(csv.DictReader(stats_csv.open()))
    print(
        f"{'requête':<26} {'nb':>6} {'req/s':>7} {'méd.':>6} {'p95':>6} {'p99':>6} {'err.':>5}"
        f" | {'serveur':>7} {'SQL':>6} {'req.':>4}  (ms, médianes)"
    )
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "en tout"
        values = timings.get(row["Name"], [])
        if row["Name"] == "Aggregated":
            values = [v for vs in timings.values() for v in vs]
        server = (
            f"{statistics.median(v[0] for v in values):>7.1f} "
            f"{statistics.median(v[1] for v in values):>6.1f} "
            f"{statistics.median(v[2] for v in values):>4.0f}"
            if values
            else f"{'–':>7} {'–':>6} {'–':>4}"
        )
        print(
            f"{name:<26} {row['Request Count']:>6} {float(row['Requests/s']):>7.1f} "
            f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6} {row['Failure Count']:>5}"
            f" | {server}"
        )
    every = [v[0] for vs in timings.values() for v in vs]
    if every:
        print(
            f"Temps serveur de toutes les requêtes : médiane {statistics.median(every):.1f} ms, "
            f"p95 {percentile(every, 0.95):.1f} ms ; durée mesurée {duration:.1f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--duration", type=int, default=60, help="secondes")
    parser.add_argument("--max-requests", type=int, default=60000, dest="max_requests")
    parser.add_argument(
        "--dane",
        type=int,
        default=2,
        help="utilisateurs DANE parmi --users ; le reste moitié chefs, moitié référents",
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-class", default="sync", dest="worker_class")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8054)
    parser.add_argument(
        "--bare-only",
        action="store_true",
        dest="bare_only",
        help="les mêmes utilisateurs, sur la vue nue seule : le plafond de la machine",
    )
    parser.add_argument(
        "--profile",
        default="",
        help="fichier (.svg : flamegraph, sinon piles repliées) du profil des workers par py-spy, "
        "s’il est installé, pendant la charge",
    )
    args = parser.parse_args()
    if not ipaddress.ip_address(args.host).is_loopback:
        parser.error("le test de charge ne vise que la boucle locale (127.0.0.0/8, ::1)")
    if "bench" not in str(connection.settings_dict["NAME"]):
        parser.error("la base doit être une base de mesure (son nom contient « bench »)")
    if not 1 <= args.duration <= 600 or not 1 <= args.max_requests <= 1_000_000:
        parser.error("durée de 1 à 600 s, au plus un million de requêtes")

    dane = min(args.dane, args.users)
    mix = [(args.users - dane + 1) // 2, (args.users - dane) // 2, dane]
    with scopes_disabled():
        accounts = prepare(args.users)
    connection.close()
    print(
        f"Comptes : {len(accounts['principals'])} chefs d’établissement (une lettre en brouillon "
        f"chacun), {len(accounts['referents'])} référents (leur bilan), "
        f"{len(accounts['dane'])} sessions DANE ; Bordeaux, base "
        f"{connection.settings_dict['NAME']}"
    )
    work = Path(tempfile.mkdtemp(prefix="rupn-load-"))
    (work / "accounts.json").write_text(json.dumps(accounts))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
    }
    server = subprocess.Popen(
        [
            BIN / "gunicorn",
            "rupn.wsgi",
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            args.worker_class,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://{args.host}:{args.port}"
    profiler = None
    try:
        wait_for(f"{base}/banc/nu/", 30)
        if args.profile:
            profiler = subprocess.Popen(
                [
                    BIN / "py-spy",
                    "record",
                    "--subprocesses",
                    "--pid",
                    str(server.pid),
                    "--duration",
                    str(args.duration),
                    "--rate",
                    "200",
                    "--output",
                    args.profile,
                    "--format",
                    "flamegraph" if args.profile.endswith(".svg") else "raw",
                ],
            )
        print(f"Avant : {uptime()}")
        started = time.monotonic()
        subprocess.run(
            [
                BIN / "locust",
                "-f",
                ROOT / "bench/load_locust.py",
                "--headless",
                "--only-summary",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.users),
                "--run-time",
                f"{args.duration}s",
                "--stop-timeout",
                "5",
                "--host",
                base,
                "--csv",
                work / "load",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={
                **env,
                "PYTHONPATH": str(ROOT),
                "RUPN_LOAD_ACCOUNTS": str(work / "accounts.json"),
                "RUPN_LOAD_TIMINGS": str(work / "timings.json"),
                "RUPN_LOAD_MAX_REQUESTS": str(args.max_requests),
                "RUPN_LOAD_MIX": ",".join(map(str, mix)),
                "RUPN_LOAD_BARE_ONLY": "1" if args.bare_only else "",
            },
            check=False,
            stdout=subprocess.DEVNULL,
            timeout=args.duration + 60,
        )
        duration = time.monotonic() - started
        print(f"Après : {uptime()}")
        if profiler is not None:
            profiler.wait(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"gunicorn : {args.workers} workers {args.worker_class} × {args.threads} threads"
        " ; "
        f"{args.users} utilisateurs locust : {mix[0]} chefs d’établissement, {mix[1]} référents, "
        f"{mix[2]} DANE" + (", tous sur la vue nue seule" if args.bare_only else "")
    )
    report(work / "load_stats.csv", work / "timings.json", duration)


if __name__ == "__main__":
    main()
