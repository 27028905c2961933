"""Heartbeats per second through the real server, against a baseline in the same run (issue 11).

    python bench/heartbeats.py [--people 30] [--learners 1000] [--workers 3] [--clients 8] [--rounds 3] [--seconds 4]

Starts `cehours serve` on a fresh data dir (SQLite, or a fresh database beside DATABASE_URL) with
a small demo city, gives `--learners` professionals a login session, an enrolment in a two-hour
course and a playback each, then drives `POST /learning/beat/` from client threads over loopback
keep-alive connections: every playback beats in turn, its position advancing with the real time
since its first beat, as a player at 1× would, so each beat is credited by the server's clock.
The baseline is `/api/v1/health` on the same server. Scenarios alternate in rounds so a noisy
neighbour slows both alike. The goal on a 2-core machine (issue 11) is 1,000 heartbeats/s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import threading
import time

from common import bench_environment, run, served

CSRF = "cehoursBenchHeartbeatCsrfToken12"  # 32 letters: the cookie and the header must agree

SETUP = """
import secrets
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from cehours.learning.models import Course, CoursewareItem
from cehours.learning.services import enroll, playback_start
from cehours.people.models import Person
course = Course.objects.create(category="general_public", title="基准测试课程", year_from=2000, year_to=2200,
                               published=True)
item = CoursewareItem.objects.create(course=course, position=1, title="两小时课件", file_name="none.mp4", size=1,
                                     sha256="0" * 64, duration_seconds=7200)
people = list(Person.objects.filter(user__isnull=True).order_by("pk")[:{learners}])
for n, person in enumerate(people):
    user = get_user_model().objects.create_user(f"bench-learner-{{n}}", password=secrets.token_urlsafe(16))
    person.user = user
    person.save(update_fields=["user"])
    enroll(user=user, course=course)
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    playback, _ = playback_start(user=user, session_key=session.session_key, item=item)
    print("PLAYBACK", session.session_key, playback.token)
"""


class Player:
    """One playback: its session, token, sequence and the moment it first beat."""

    def __init__(self, session: str, token: str):
        self.session, self.token, self.seq, self.started = session, token, 0, 0.0
        self.headers = {
            "Cookie": f"sessionid={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "Content-Type": "application/json",
        }

    def body(self) -> str:
        now = time.monotonic()
        if not self.seq:
            self.started = now
        self.seq += 1
        position = now - self.started
        return json.dumps(
            {"token": self.token, "seq": self.seq, "position": position, "rate": 1, "playing": True, "visible": True}
        )


def drive(port: int, players: list[Player] | None, clients: int, seconds: float) -> dict:
    """Beats (or health checks, with players None) from `clients` threads for `seconds`."""
    latencies: list[float] = []
    counts = {"errors": 0, "credited": 0}
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(index: int) -> None:
        mine = players[index::clients] if players else []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local, bad, credited, turn = [], 0, 0, 0
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            if mine:
                player = mine[turn % len(mine)]
                turn += 1
                conn.request("POST", "/learning/beat/", body=player.body(), headers=player.headers)
            else:
                conn.request("GET", "/api/v1/health")
            response = conn.getresponse()
            raw = response.read()
            local.append(time.perf_counter() - t0)
            bad += response.status != 200
            if mine and response.status == 200:
                credited += json.loads(raw).get("credited", 0) > 0
        conn.close()
        with lock:
            latencies.extend(local)
            counts["errors"] += bad
            counts["credited"] += credited

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "elapsed": elapsed,
        "errors": counts["errors"],
        "credited": counts["credited"],
        "latencies": latencies,
        "p95_ms": round(latencies[int(n * 0.95)] * 1000, 2) if n else None,
    }


def measure(env: dict, options) -> dict:
    run(["demo", "--people", str(max(options.people, options.learners)), "--years", "1"], env)
    lines = run(["shell", "-v", "0", "-c", SETUP.format(learners=options.learners)], env).splitlines()
    players = [Player(*line.split()[1:3]) for line in lines if line.startswith("PLAYBACK ")]
    results: dict[str, list[dict]] = {"baseline /api/v1/health": [], "heartbeat": []}
    with served(env, options.workers) as port:
        drive(port, None, options.clients, 1.0)  # warm up
        for _ in range(options.rounds):
            results["baseline /api/v1/health"].append(drive(port, None, options.clients, options.seconds))
            results["heartbeat"].append(drive(port, players, options.clients, options.seconds))
    summary = {}
    for name, runs in results.items():
        requests = sum(r["requests"] for r in runs)
        elapsed = sum(r["elapsed"] for r in runs)
        latencies = sorted(x for r in runs for x in r["latencies"])
        summary[name] = {
            "requests": requests,
            "per_second": round(requests / elapsed, 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 2) if latencies else None,
            "errors": sum(r["errors"] for r in runs),
            "credited": sum(r["credited"] for r in runs),
        }
    return {"learners": len(players), "results": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    options = parser.parse_args()
    with bench_environment() as (env, database):
        print(f"setting up {options.learners} learners on {database} …", flush=True)
        figures = measure(env, options)
    baseline = figures["results"]["baseline /api/v1/health"]["per_second"]
    setup = f"{options.workers} workers, {options.clients} clients, {options.rounds}×{options.seconds:g} s"
    print(f"\n{database}, {figures['learners']} learners, {setup}, {os.cpu_count()} CPUs")
    print(f"{'scenario':<28}{'req/s':>10}{'× baseline':>12}{'p95 ms':>10}{'errors':>8}{'credited':>10}")
    for name, r in figures["results"].items():
        ratio = r["per_second"] / baseline if baseline else 0
        print(f"{name:<28}{r['per_second']:>10}{ratio:>12.2f}{r['p95_ms']:>10}{r['errors']:>8}{r['credited']:>10}")
    print(json.dumps({"database": database, **figures}, ensure_ascii=False))


if __name__ == "__main__":
    main()
