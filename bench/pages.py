"""Server time of every page each demo role opens, on the demo data, against a trivial page.

    python bench/pages.py [--people 3000] [--repeat 3] [--limit-ms 1000] [--screenshots DIR]

Loads the demo city into a fresh database (a temporary SQLite file, or a new PostgreSQL database
beside the one in DATABASE_URL), then signs in as each demo account and opens every page its
navigation offers, and from those, two links deep, the first page of every kind they link to (a
person, their entries, a declaration, a spot check…), as issue 12's page bar does in the browser.
Each page is timed `repeat` times (following a redirect, as the landing page's) in this process
through Django's test client — no network and no browser, so the figure is the server's own work:
middleware, access policy, queries, templates. The baseline is the sign-in page for an anonymous
visitor in the same run. Pages slower than --limit-ms are listed and make the exit status 1.

With --screenshots DIR it also serves the same database with `cehours serve` and saves, in the
system Chromium at 390 × 844, the pages README shows: /me/ for the professional and the landing
page of a level-1 reviewer and of unit staff (needs the test extras: Playwright).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from pathlib import Path

from common import bench_environment, run, served

# The demo's accounts (README "The two commands"); the administrators are made by the demo too.
ACCOUNTS = ("professional", "unit_staff", "reviewer1", "reviewer2", "reviewer3", "industry", "hr_admin",
            "evaluator", "provider")  # fmt: skip
NEW_PASSWORD = "Bench-pages-2026-ok"
NAV = re.compile(r"<header.*?</header>", re.S)
HREF = re.compile(r'<a\b[^>]*\bhref="(/[^"#?]*)[^"]*"')
ID_PAGE = re.compile(r"^/[a-z-]+/(?:[a-z-]+/)?\d+/(?:[a-z-]+/)?$")


def signed_in_clients(accounts):
    """A test client per demo account, signed in with its second factor shown and its password
    changed by itself (the demo's passwords must be changed at the first sign-in)."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cehours.access.services import password_set

    clients = {}
    for user in get_user_model().objects.filter(username__in=accounts):
        password_set(user=user, raw=NEW_PASSWORD, by=user)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:  # what the TOTP page stores once the code is right
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        clients[user.username] = client
    return clients


def pages_of(client) -> list[str]:
    """The landing page, its navigation's pages, and the first id page of each kind they link to."""
    landing = client.get("/", follow=True)  # a professional lands on /me/, a provider on /seminars/
    header = NAV.search(landing.content.decode())
    nav = [u for u in HREF.findall(header.group(0) if header else "") if u != "/logout/"]
    pages = dict.fromkeys(["/", *(u for u, _ in landing.redirect_chain), *nav])
    kinds: set[str] = set()
    todo = list(pages)
    for _depth in range(2):  # a person's page from the list, then that person's entries
        found = []
        for url in todo:
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            for link in HREF.findall(response.content.decode()):
                kind = re.sub(r"\d+", "N", link)
                if ID_PAGE.match(link) and kind not in kinds and link not in pages:
                    kinds.add(kind)
                    found.append(link)
                    pages[link] = None
        todo = found
    return list(pages)


def timed(client, url: str, repeat: int) -> tuple[list[float], int]:
    times, status = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        status = client.get(url, follow=True).status_code
        times.append(time.perf_counter() - start)
    return times, status


def measure(env: dict, options) -> dict:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cehours.settings")
    import django

    django.setup()
    from django.test import Client

    baseline, _ = timed(Client(HTTP_HOST="127.0.0.1"), "/login/", max(options.repeat, 5))
    rows = []
    for username, client in signed_in_clients(ACCOUNTS).items():
        for url in pages_of(client):
            times, status = timed(client, url, options.repeat)
            rows.append({"account": username, "url": url, "status": status, "min_ms": round(min(times) * 1000, 1),
                         "median_ms": round(statistics.median(times) * 1000, 1),
                         "max_ms": round(max(times) * 1000, 1)})  # fmt: skip
    return {"baseline_ms": round(statistics.median(baseline) * 1000, 1), "pages": rows}


def screenshots(env: dict, directory: Path) -> list[str]:
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    shots = {"me-phone.png": ("professional", "/me/"), "reviewer-landing-phone.png": ("reviewer1", "/"),
             "unit-staff-landing-phone.png": ("unit_staff", "/")}  # fmt: skip
    sessions = {u: c.cookies[settings.SESSION_COOKIE_NAME].value for u, c in signed_in_clients(ACCOUNTS).items()}
    directory.mkdir(parents=True, exist_ok=True)
    saved = []
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]  # fmt: skip
    with served(env, 1) as port, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        for name, (account, url) in shots.items():
            context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=1)
            base = f"http://127.0.0.1:{port}"
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": sessions[account], "url": base}])
            page = context.new_page()
            page.goto(f"{base}{url}")
            page.screenshot(path=str(directory / name), full_page=False)
            saved.append(str(directory / name))
            context.close()
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit-ms", type=float, default=1000)
    parser.add_argument("--screenshots", type=Path)
    options = parser.parse_args()
    with bench_environment() as (env, database):
        print(f"loading demo data ({options.people} people) on {database} …", flush=True)
        run(["demo", "--people", str(options.people)], env)
        results = measure(env, options)
        if options.screenshots:
            results["screenshots"] = screenshots(env, options.screenshots)
    base = results["baseline_ms"]
    print(f"\n{database}, {options.people} people, {options.repeat} runs a page, {os.cpu_count()} CPUs")
    print(f"baseline (anonymous /login/): {base} ms")
    print(f"{'account':<14}{'page':<40}{'median ms':>10}{'max ms':>9}{'× baseline':>12}")
    for r in sorted(results["pages"], key=lambda r: -r["median_ms"]):
        print(f"{r['account']:<14}{r['url']:<40}{r['median_ms']:>10}{r['max_ms']:>9}{r['median_ms'] / base:>12.1f}")
    slow = [r for r in results["pages"] if r["median_ms"] > options.limit_ms]
    failed = [r for r in results["pages"] if r["status"] != 200]
    results.update(database=database, slow=slow, failed=failed)
    print(json.dumps(results, ensure_ascii=False))
    raise SystemExit(1 if slow or failed else 0)


if __name__ == "__main__":
    main()
