"""City scale (issue 14): a whole city built by bulk paths, then every path of the issue measured.

    python bench/city.py [--people 200000] [--years 5] [--entries 25] [--runs 3] [--timeout 900]

On a fresh database (SQLite by default, or a fresh one beside DATABASE_URL) it loads the small demo
(accounts, series, title table, rules), then adds `--people` synthetic people in units of about 20,
each with `--entries` ledger entries in each of the `--years` years before this one — written with
the database's bulk path (COPY on PostgreSQL, executemany on SQLite), not the write door, since the
point is a big ledger quickly — and builds the year totals with `cehours rebuild-totals`. About 40 %
of the entries come from a connected system with their own record ids, so that the intake's
duplicate check meets a big index.

Then, `--runs` times each, min / median / max:
- in process: a trivial query (the baseline), one person's compliance (p95 of 200), a 1,000-record
  intake batch through POST /api/v1/records/batch, the city-wide overview (page 1, a deep page,
  only the unqualified, the CSV), `--verdicts` (10,000) eligibility verdicts in bulk and through
  POST /api/v1/eligibility/batch in lists of 1,000; once, `--certificates` (1,000) signed hours
  certificates as the bulk job of a committee's list (the worker's code, in process);
- over HTTP from 4 client threads against `cehours serve --no-migrate`: one person's compliance,
  p95, against /api/v1/health on the same server;
- as commands: `export-hours` for one county (csv, xlsx) and for the whole city (csv), and
  `rebuild-totals --check`, with their time, rows per second and peak RSS; a command that does
  not finish within `--timeout` seconds is stopped and reported so.

In-process and HTTP figures are also given as ratios against their baseline in the same run, since
these machines are noisy. The result is a Markdown table and, last, one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from common import bench_environment, cehours, run, served

SYSTEM = "city-sys"
BENCH = str(Path(__file__).resolve().parent)

BUILD = r"""
import json, random, time
from datetime import date
from decimal import Decimal
from django.db import connection, transaction
from django.utils import timezone
from faker import Faker
from cehours.demo import synthetic_credit_code, synthetic_id_number
from cehours.ledger.bulk import ENTRY_COLUMNS
from cehours.people.identity import stored_identity
from cehours.people.models import County, Person, Series, Unit

people, years, per_year, seed = {people}, {years}, {entries}, {seed}
rng = random.Random(seed); fake = Faker("zh_CN"); fake.seed_instance(seed)
t0 = time.perf_counter()
counties = list(County.objects.exclude(code="331100").values_list("code", flat=True)) or ["331102"]
series = list(Series.objects.values_list("code", flat=True))
codes = set(Unit.objects.values_list("credit_code", flat=True))
units = []
while len(units) < max(1, people // 20):
    county = rng.choice(counties)
    code = synthetic_credit_code(rng, county)
    if code in codes:
        continue
    codes.add(code)
    units.append(Unit(credit_code=code, name=f"{{fake.company()}}{{len(units) + 1}}", county_id=county,
                      series_id=rng.choice(series)))
Unit.objects.bulk_create(units, batch_size=5000)
units = Unit.objects.filter(credit_code__in=[u.credit_code for u in units])
units = list(units.values_list("pk", "county_id", "series_id"))
seen = set()
batch = []
first_year = date.today().year - years
for i in range(people):
    unit, county, unit_series = units[i % len(units)]
    while True:
        number = synthetic_id_number(rng, county)
        if number not in seen:
            break
    seen.add(number)
    obtained = date(rng.randint(first_year - 6, first_year + years - 2), rng.randint(1, 12), 1)
    batch.append(Person(name=fake.name(), **stored_identity(number).as_fields(), unit_id=unit, county_id=county,
                        series_id=unit_series, title_level=rng.choice(["初级", "中级", "副高级"]),
                        title_obtained_on=obtained))
    if len(batch) == 5000:
        Person.objects.bulk_create(batch); batch = []
Person.objects.bulk_create(batch)
people_done = time.perf_counter()

ids = list(Person.objects.filter(unit_id__in=[u[0] for u in units]).values_list("pk", flat=True))
now = timezone.now()
record = 0

def rows():
    global record
    for pk in ids:
        for year in range(first_year, first_year + years):
            diligence = rng.uniform(0.6, 1.4)
            public = 2 if per_year >= 5 else 1
            pro = per_year - 2 * public
            for k in range(per_year):
                if k < public:
                    category, hours = "general_public", 10 / public
                elif k < 2 * public:
                    category, hours = "industry_public", 10 / public
                else:
                    category, hours = "professional", 72 / max(pro, 1)
                hours = Decimal(str(round(hours * diligence, 1)))
                day = date(year, rng.randint(1, 12), rng.randint(1, 28))
                if rng.random() < 0.4:
                    record += 1
                    source, system, record_id = "connected_system", "{system}", f"c{{record}}"
                else:
                    source, system, record_id = "platform_course", "", ""
                yield (pk, year, category, hours, source, system, record_id, "", "online_course",
                       f"{{year}}年课程{{k}}", None, None, day, "", "", "", None, None, "bench-city", now, False)

count = 0
with transaction.atomic():
    if connection.vendor == "postgresql":
        statement = f"COPY ledger_ledgerentry ({{', '.join(ENTRY_COLUMNS)}}) FROM STDIN"
        with connection.cursor() as c, c.cursor.copy(statement) as copy:
            for row in rows():
                copy.write_row(row); count += 1
    else:
        ops = connection.ops
        marks = ", ".join(["%s"] * len(ENTRY_COLUMNS))
        sql = f"INSERT INTO ledger_ledgerentry ({{', '.join(ENTRY_COLUMNS)}}) VALUES ({{marks}})"
        chunk = []
        with connection.cursor() as c:
            for r in rows():
                chunk.append((*r[:3], str(r[3]), *r[4:12], r[12].isoformat(), *r[13:19],
                              ops.adapt_datetimefield_value(r[19]), r[20]))
                if len(chunk) == 50000:
                    c.executemany(sql, chunk); count += len(chunk); chunk = []
            c.executemany(sql, chunk); count += len(chunk)
print(json.dumps({{"people": len(ids), "entries": count, "people_s": round(people_done - t0, 1),
                  "entries_s": round(time.perf_counter() - people_done, 1)}}))
"""

# Fresh statistics after the bulk load, as `cehours demo` takes them (README "Production").
ANALYZE = """
from django.db import connection
with connection.cursor() as c:
    c.execute("ANALYZE")
"""

MEASURE = r"""
import json, random, statistics, sys, time
sys.path.insert(0, {bench!r})
from pages import signed_in_clients
from datetime import date
from django.db import connection
from django.test import Client
from django.contrib.auth import get_user_model
from django.utils import timezone
from cehours.access.services import token_issue
from cehours.ledger.selectors import EligibilityQuestion, people_eligibility, person_compliance
from cehours.people.models import County, Person

runs, year, key, seed, verdicts, certificates = {runs}, {year}, "{key}", {seed}, {verdicts}, {certificates}
rng = random.Random(seed)
out = {{}}

def timed(fn, n=1):
    times = []
    for _ in range(n):
        t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)
    return times

def p95(values):
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)

def trivial():
    with connection.cursor() as c:
        c.execute("SELECT 1"); c.fetchone()

timed(trivial, 50)
out["baseline_s"] = [statistics.median(timed(trivial, 200)) for _ in range(runs)]

ids = list(Person.objects.values_list("pk", flat=True))
sample = [Person.objects.select_related("series").get(pk=pk) for pk in rng.sample(ids, min(200, len(ids)))]
def compliance_p95():
    return p95([t for p in sample for t in timed(lambda: person_compliance(p, year - 4, year))])
out["compliance_p95_s"] = [compliance_p95() for _ in range(runs)]

client = signed_in_clients(["hr_admin"])["hr_admin"]
def page(url):
    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        b"".join(response) if response.streaming else response.content
    return get
pages = max(1, -(-len(ids) // 100))
deep = min(2000, pages)
out["deep_page"] = deep
for name, url in [("overview_page1_s", f"/overview/?year={{year}}"),
                  ("overview_deep_s", f"/overview/?year={{year}}&page={{deep}}"),
                  ("overview_short_s", f"/overview/?year={{year}}&only_short=on"),
                  ("overview_csv_s", f"/overview/?year={{year}}&format=csv")]:
    page(url)()
    out[name] = [timed(page(url))[0] for _ in range(runs)]

chosen = rng.sample(ids, min(verdicts, len(ids)))
people = list(Person.objects.select_related("unit", "series", "county").filter(pk__in=chosen))
questions = [EligibilityQuestion(people[i % len(people)], year + 1, 3, None) for i in range(verdicts)]
bulk = lambda: people_eligibility(questions, today=timezone.localdate())
out["eligibility_bulk_s"] = [timed(bulk)[0] for _ in range(runs)]

evaluator = get_user_model().objects.get(username="evaluator")
headers = {{"HTTP_AUTHORIZATION": f"Bearer {{token_issue(user=evaluator)}}"}}
from django.conf import settings
bodies = []
for start in range(0, verdicts, 1000):
    rows = [{{"id_number": people[i % len(people)].id_number, "application_year": year + 1, "required_years": 3,
             "override_reason": "基准测试统一按3年"}} for i in range(start, min(start + 1000, verdicts))]
    bodies.append(json.dumps({{"applicants": rows}}, ensure_ascii=False))
api = Client(HTTP_HOST="127.0.0.1")
def api_lists():
    for body in bodies:
        response = api.post("/api/v1/eligibility/batch", body, content_type="application/json", **headers)
        assert response.status_code == 200, response.content[:300]
out["eligibility_api_s"] = [timed(api_lists)[0] for _ in range(runs)]

# Certificates in bulk: the job a committee's list asks for, run once through the worker's own code.
from cehours.jobs.models import Job, JobKind, JobStatus
from cehours.jobs.services import job_request, job_run
from cehours.reports.pdf import FontMissing, font_faces
try:
    font_faces()
except FontMissing:
    out["certificates_s"] = None
else:
    wanted = [[i + 2, people[i % len(people)].pk, year - 2, year] for i in range(certificates)]
    job = job_request(evaluator, kind=JobKind.COMMITTEE_CERTIFICATES, title="基准学时证明",
                      params={{"verify_base": "http://127.0.0.1"}}, payload=wanted)
    t0 = time.perf_counter(); job_run(job.pk); out["certificates_s"] = time.perf_counter() - t0
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.done == certificates, (job.status, job.error, job.done)

today = timezone.localdate()
def intake_batch(run_number):
    rows = []
    for i in range(1000):
        p = people[rng.randrange(len(people))]
        rows.append({{"source_record_id": f"bench-{{run_number}}-{{i}}", "id_number": p.id_number, "name": p.name,
                      "category": "professional", "activity": "online_course", "minutes": 90,
                      "title": f"基准课程{{i}}", "completed_on": date(today.year, 1, 2).isoformat()}})
    body = json.dumps({{"records": rows}}, ensure_ascii=False)
    def post():
        response = api.post("/api/v1/records/batch", body, content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {{key}}")
        assert response.status_code == 200 and response.json()["created"] == 1000, response.content[:300]
    return post
out["intake_batch_s"] = [timed(intake_batch(r))[0] for r in range(runs)]
out["sample_ids"] = [p.id_number for p in people[:400]]
print(json.dumps(out))
"""


def timed_command(args: list[str], env: dict, timeout: float) -> dict:
    """Run a `cehours` command; its wall time, peak RSS (from wait4) and output, or that it timed out."""
    start = time.perf_counter()
    process = subprocess.Popen([cehours(), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.append(process.stdout.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - start > timeout:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            return {"seconds": None, "timed_out": timeout, "rss_mb": round(usage.ru_maxrss / 1024)}
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    return {
        "seconds": time.perf_counter() - start,
        "rss_mb": round(usage.ru_maxrss / 1024),
        "exit": process.returncode,
        "output": "".join(output),
    }


def http_p95(port: int, paths: list[str], headers: dict, clients: int, seconds: float) -> float:
    import http.client

    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            conn.request("GET", rng.choice(paths), headers=headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statistics.quantiles(latencies, n=20)[-1]


def spread(values: list[float | None], scale: float = 1.0, digits: int = 2) -> str:
    done = [v * scale for v in values if v is not None]
    if not done:
        return "did not finish"
    return " / ".join(f"{v:.{digits}f}" for v in (min(done), statistics.median(done), max(done)))


def requests_measured(env: dict, options, year: int, key: str) -> dict:
    """The in-process and HTTP rows of the table."""
    measure = MEASURE.format(
        runs=options.runs,
        year=year,
        key=key,
        seed=options.seed,
        bench=BENCH,
        verdicts=options.verdicts,
        certificates=options.certificates,
    )
    figures = json.loads(run(["shell", "-v", "0", "-c", measure], env).strip().splitlines()[-1])
    sample = figures.pop("sample_ids")
    print("  over HTTP …", flush=True)
    token = run(["issue-token", "hr_admin"], env).strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    paths = [f"/api/v1/people/{n}/compliance" for n in sample]
    with served(env, workers=2) as port:
        http_p95(port, paths, headers, 4, 1.0)  # warm every worker
        figures["health_p95_s"], figures["http_compliance_p95_s"] = [], []
        for _ in range(options.runs):
            figures["health_p95_s"].append(http_p95(port, ["/api/v1/health"], {}, 4, options.http_seconds))
            figures["http_compliance_p95_s"].append(http_p95(port, paths, headers, 4, options.http_seconds))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--entries", type=int, default=25, help="entries per person and year (at least 3)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a command is stopped")
    parser.add_argument("--http-seconds", type=float, default=5.0)
    parser.add_argument("--verdicts", type=int, default=10_000, help="eligibility verdicts asked at once")
    parser.add_argument("--certificates", type=int, default=1000, help="signed certificates in one bulk job (run once)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--commands-only", action="store_true", help="build the city and run only the commands")
    options = parser.parse_args()
    if options.entries < 3:
        parser.error("--entries: at least 3 (one of each category)")
    year = time.localtime().tm_year - 1
    figures: dict = {"people": options.people, "years": options.years, "entries_per_year": options.entries,
                     "verdicts": options.verdicts, "certificates": options.certificates}  # fmt: skip

    with bench_environment() as (env, database):
        figures["database"] = database
        print(f"{database}: the demo's accounts and rules …", flush=True)
        run(["demo", "--people", "20", "--years", "1"], env)
        key = run(["issue-api-key", "--system", SYSTEM, "--name", "城市基准对接系统"], env).strip().splitlines()[-1]
        print(f"building {options.people:,} people × {options.years} years × {options.entries} entries …", flush=True)
        build = BUILD.format(people=options.people, years=options.years, entries=options.entries, seed=options.seed,
                             system=SYSTEM)  # fmt: skip
        figures["build"] = json.loads(run(["shell", "-v", "0", "-c", build], env).strip().splitlines()[-1])
        print(f"  {figures['build']}", flush=True)
        repair = timed_command(["rebuild-totals"], env, options.timeout * 4)
        figures["rebuild_totals_s"], figures["rebuild_totals_rss_mb"] = repair["seconds"], repair["rss_mb"]
        run(["shell", "-v", "0", "-c", ANALYZE], env)
        print(f"  totals built in {repair['seconds']:.1f} s; measuring in process …", flush=True)

        if not options.commands_only:
            figures.update(requests_measured(env, options, year, key))
        print("  commands …", flush=True)
        county = "331102"
        with tempfile.TemporaryDirectory() as out:
            for name, extra, fmt in [
                ("export_county_csv", ["--county", county], "csv"),
                ("export_county_xlsx", ["--county", county], "xlsx"),
                ("export_city_csv", [], "csv"),
            ]:
                target = str(Path(out) / f"{name}.{fmt}")
                args = ["export-hours", "--as", "hr_admin", "--year", str(year), *extra, "--format", fmt]
                result = timed_command([*args, "--output", target], env, options.timeout)
                match = re.search(r"已导出 (\d+) 条", result.get("output", ""))
                rows = int(match.group(1)) if match else None
                figures[name] = {"seconds": result["seconds"], "rows": rows, "rss_mb": result["rss_mb"]}
                if result.get("timed_out"):
                    figures[name]["timed_out"] = result["timed_out"]
                print(f"  {name}: {figures[name]}", flush=True)
        check = timed_command(["rebuild-totals", "--check"], env, options.timeout)
        figures["rebuild_check"] = {key: check.get(key) for key in ("seconds", "rss_mb", "exit", "timed_out")}

    print(table(figures))
    print(json.dumps(figures, ensure_ascii=False))


def table(f: dict) -> str:
    build = f["build"]
    lines = [
        f"{f['database']}, {build['people']:,} people, {build['entries']:,} entries "
        f"({f['years']} years × {f['entries_per_year']}), built in {build['people_s'] + build['entries_s']:.0f} s "
        f"+ totals {f['rebuild_totals_s']:.0f} s; {os.cpu_count()} CPUs",
        "",
    ]
    if "baseline_s" in f:  # not --commands-only
        lines += [*requests_table(f), ""]
    return "\n".join(lines + commands_table(f))


def requests_table(f: dict) -> list[str]:
    base, health = statistics.median(f["baseline_s"]), statistics.median(f["health_p95_s"])
    lists = -(-f["verdicts"] // 1000)
    rows = [
        ("baseline: SELECT 1 in process", "baseline_s", 1e3, 3, "ms", base),
        ("one person's compliance, in process, p95", "compliance_p95_s", 1e3, 1, "ms", base),
        ("baseline: /api/v1/health over HTTP, 4 clients, p95", "health_p95_s", 1e3, 1, "ms", health),
        ("one person's compliance over HTTP, 4 clients, p95", "http_compliance_p95_s", 1e3, 1, "ms", health),
        ("intake, one 1,000-record batch, in process", "intake_batch_s", 1, 2, "s", base),
        ("`/overview/` page 1, city-wide", "overview_page1_s", 1, 2, "s", base),
        (f"`/overview/` page {f['deep_page']}", "overview_deep_s", 1, 2, "s", base),
        ("`/overview/` only unqualified", "overview_short_s", 1, 2, "s", base),
        ("`/overview/?format=csv`, city-wide", "overview_csv_s", 1, 2, "s", base),
        (f"{f['verdicts']:,} eligibility verdicts, in bulk", "eligibility_bulk_s", 1, 2, "s", base),
        (f"the same, {lists} × POST /api/v1/eligibility/batch", "eligibility_api_s", 1, 2, "s", base),
    ]
    lines = ["| path | min / median / max | × baseline (median) |", "| --- | --- | --- |"]
    for label, key, scale, digits, unit, against in rows:
        ratio = statistics.median(f[key]) / against
        lines.append(f"| {label} | {spread(f[key], scale, digits)} {unit} | {ratio:,.0f}× |")
    made = f.get("certificates_s")
    label = f"{f['certificates']:,} signed certificates, one bulk job (once)"
    if made is None:
        lines.append(f"| {label} | not measured: no Chinese font to embed | — |")
    else:
        rate = f["certificates"] / made
        lines.append(f"| {label} | {made:.1f} s, {rate:.2f} a second | {made / base:,.0f}× |")
    return lines


def commands_table(f: dict) -> list[str]:
    def command(key: str) -> tuple[str, str]:
        c = f[key]
        if c["seconds"] is None:
            return f"stopped after {c['timed_out']:.0f} s", f"{c['rss_mb']} MB"
        if not c.get("rows"):
            return f"{c['seconds']:.1f} s (exit {c.get('exit')})", f"{c['rss_mb']} MB"
        return f"{c['seconds']:.1f} s, {c['rows']:,} rows, {c['rows'] / c['seconds']:,.0f} rows/s", f"{c['rss_mb']} MB"

    return [
        "| command | time, rows, rate | peak RSS |",
        "| --- | --- | --- |",
        "| `export-hours`, one county, csv | {} | {} |".format(*command("export_county_csv")),
        "| `export-hours`, one county, xlsx | {} | {} |".format(*command("export_county_xlsx")),
        "| `export-hours`, whole city, csv | {} | {} |".format(*command("export_city_csv")),
        f"| `rebuild-totals` (build) | {f['rebuild_totals_s']:.1f} s | {f['rebuild_totals_rss_mb']} MB |",
        "| `rebuild-totals --check` | {} | {} |".format(*command("rebuild_check")),
    ]


if __name__ == "__main__":
    main()
