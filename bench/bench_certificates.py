"""Benchmark of a season's certificate batch on PostgreSQL.

Prints, each against a baseline measured in the same run (every figure the median of three runs):
- a season batch of 10,000 certificates (10,000 approved works) issued by the worker path: the
  admin's `services.start_batch` enqueues `certificates.tasks.run_batch` in the database queue and
  one `manage.py db_worker --batch` process runs it (numbers, rows, PDFs drawn and stored, progress):
  certificates per second, and the worker's peak memory (max RSS);
- rendering one certificate PDF alone (the same certificate, design, signature and logos):
  PDFs per second, and the peak memory of a process that renders one PDF;
- the ratios: the batch's throughput against drawing alone (what rows, numbering, storage and
  progress cost on top of the drawing), and the worker's memory against one render (flat memory
  means the batch does not grow with the season).

Uses its own database (BENCH_CERTIFICATES_DB, default bench_certificates) on the server DATABASE_URL
names, filled once and kept; every run deletes the previous run's certificates first. PDFs go to
VAR_DIR (default /tmp/bench_certificates_var). BENCH_CERTIFICATES_WORKS changes the season's size.
Run: `.venv/bin/python bench/bench_certificates.py` (or `make bench`).
"""

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_DB = os.environ.get("BENCH_CERTIFICATES_DB", "bench_certificates")
WORKS = int(os.environ.get("BENCH_CERTIFICATES_WORKS", "10000"))
RUNS = 3
RENDERS = 30
SEASON = "Сезон бенчмарка сертификатов"


def prepare_environment():
    import psycopg

    base = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test")
    if not base.scheme.startswith("postgres"):
        sys.exit("bench_certificates needs PostgreSQL: set DATABASE_URL=postgres://…")
    admin_url = urlunsplit(base._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            connection.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["DATABASE_URL"] = urlunsplit(base._replace(path=f"/{BENCH_DB}"))
    # The worker path as production runs it: the database queue, no debug bookkeeping.
    os.environ["TASK_BACKEND"] = "db"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-certificates-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("VAR_DIR", "/tmp/bench_certificates_var")
    os.environ.setdefault("SITE_URL", "https://pokolenie-m.example")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"


def setup_django():
    import django

    django.setup()


def picture(title, colour, size=(600, 240)):
    from tests.factories import png_image

    def rounded(pen, size):
        pen.rounded_rectangle((8, 8, size[0] - 8, size[1] - 8), radius=30, fill=colour)

    return png_image(title, size, draw=rounded, name=f"bench-{colour[0]}.png")


def fill():
    """A season with one direction, its mentor, a masterclass, an assignment and WORKS approved works
    by as many students; a design with a signature and two partners' logos."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from certificates.models import CertificateDesign, DesignPartner
    from cms.models import Season
    from learning.models import Student, Submission
    from tests.factories import PageTree, make_assignment, make_season

    season = Season.objects.filter(name=SEASON).first()
    if season and Submission.objects.filter(assignment__season=season).count() == WORKS:
        return season
    if season:
        sys.exit(f"{BENCH_DB} holds a season of another size: drop the database or set BENCH_CERTIFICATES_WORKS.")
    season = make_season(SEASON, days_before=200, days_after=30)
    tree = PageTree(publish=False)
    tree.sections_named("directions", "mentors", "partners")
    mentor = tree.mentor("Алина Соловьёва", bio="<p>…</p>")
    direction = tree.direction(description="<p>…</p>", curator=mentor)
    masterclass = tree.masterclass(direction, mentor=mentor, season=season, description="…")
    now = timezone.now()
    assignment = make_assignment(
        direction,
        season=season,
        masterclass=masterclass,
        title="Спой песню о своём городе",
        task="…",
        days_open=100,
        days_left=-10,
        allowed_kinds=["text"],
        winner_opportunity="Сцена фестиваля",
    )
    logos = [
        tree.partner(name, description="<p>…</p>", logo=picture(name, colour))
        for name, colour in (("Фонд", (230, 160, 0, 255)), ("Студия", (0, 120, 200, 255)))
    ]
    design = CertificateDesign(season=season, signature=picture("Подпись", (20, 20, 90, 255)))
    design.partners = [DesignPartner(partner=partner) for partner in logos]
    design.save()
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"bench-cert-{n}", email=f"bench-cert-{n}@example.org") for n in range(WORKS)]
    )
    students = Student.objects.bulk_create(
        [Student(user=user, first_name="Ученица", surname=f"Номер{n:05d}") for n, user in enumerate(users)]
    )
    Submission.objects.bulk_create(
        [
            Submission(
                assignment=assignment,
                student=student,
                title=f"Песня {n}",
                text="…",
                status="approved",
                age=12,
                age_band="10-13",
                approved_at=now - datetime.timedelta(days=20),
            )
            for n, student in enumerate(students)
        ],
        batch_size=2000,
    )
    return season


def reset(season):
    """Delete the previous run's certificates, numbering, batches, queued tasks and PDFs."""
    from django.conf import settings
    from django_tasks_db.models import DBTaskResult

    from certificates.models import Certificate, CertificateBatch, SeasonNumbering

    Certificate.objects.filter(season=season).delete()
    SeasonNumbering.objects.filter(season=season).delete()
    CertificateBatch.objects.filter(season=season).delete()
    DBTaskResult.objects.all().delete()
    shutil.rmtree(Path(settings.PRIVATE_MEDIA_ROOT) / "certificates" / str(season.pk), ignore_errors=True)


def run_child(arguments):
    """Run a process to its end; (wall seconds, peak resident memory in MiB)."""
    started = time.perf_counter()
    process = subprocess.Popen(arguments, cwd=ROOT, env=os.environ.copy())
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.exit(f"{' '.join(map(str, arguments))} failed with {process.returncode}")
    return wall, usage.ru_maxrss / 1024


def batch_by_worker(season):
    """One season batch through the worker path; (certificates per second, worker's peak MiB)."""
    from django.db import transaction

    from certificates import services
    from certificates.models import Certificate, CertificateBatch

    reset(season)
    with transaction.atomic():
        services.start_batch(season)
    wall, peak = run_child(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--queue-name", "*"]
    )
    batch = CertificateBatch.objects.get(season=season)
    issued = Certificate.objects.filter(season=season).exclude(pdf="").count()
    if batch.status != "done" or batch.issued != WORKS or issued != WORKS:
        sys.exit(f"the batch did not issue the season: {batch.status}, {batch.issued} issued, {issued} with PDF")
    return WORKS / wall, peak


def render_alone(season):
    """Drawing one certificate (the batch's first), timed alone: PDFs per second (median render)."""
    from certificates import pdf, selectors
    from certificates.models import Certificate

    certificate = Certificate.objects.select_related("season").filter(season=season).order_by("number").first()
    sheet = pdf.sheet_for(certificate, selectors.design_for(certificate.season_id, certificate.direction_id))
    pdf.render(sheet)
    timings = []
    for _ in range(RENDERS):
        started = time.perf_counter()
        pdf.render(sheet)
        timings.append(time.perf_counter() - started)
    return 1 / statistics.median(timings)


def render_one_process():
    """`--render-one`: a fresh process that sets Django up and draws one certificate, then exits."""
    from certificates import pdf, selectors
    from certificates.models import Certificate

    certificate = Certificate.objects.select_related("season").filter(season__name=SEASON).order_by("number").first()
    pdf.render(pdf.sheet_for(certificate, selectors.design_for(certificate.season_id, certificate.direction_id)))


def main():
    prepare_environment()
    setup_django()
    if "--render-one" in sys.argv:
        render_one_process()
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    season = fill()
    batch_rates, worker_peaks, render_rates, render_peaks = [], [], [], []
    for run in range(1, RUNS + 1):
        rate, peak = batch_by_worker(season)
        batch_rates.append(rate)
        worker_peaks.append(peak)
        render_rates.append(render_alone(season))
        render_peaks.append(run_child([sys.executable, __file__, "--render-one"])[1])
        print(
            f"run {run}: batch {rate:.1f} certificates/s, worker peak {peak:.0f} MiB; "
            f"one render {1000 / render_rates[-1]:.1f} ms, one-render process {render_peaks[-1]:.0f} MiB",
            flush=True,
        )
    batch, worker = statistics.median(batch_rates), statistics.median(worker_peaks)
    alone, one = statistics.median(render_rates), statistics.median(render_peaks)
    print(
        f"season batch of {WORKS} by the worker: {batch:.1f} certificates/s "
        f"({WORKS / batch / 60:.1f} min) vs rendering one PDF alone {alone:.1f} PDFs/s "
        f"({1000 / alone:.1f} ms each) → {batch / alone:.2f}× of drawing alone "
        f"({1000 / batch - 1000 / alone:.1f} ms a certificate on top)"
    )
    print(f"peak memory: worker {worker:.0f} MiB vs a process rendering one PDF {one:.0f} MiB → {worker / one:.2f}×")


if __name__ == "__main__":
    main()
