"""Read throughput of the person endpoints through the real server, against a baseline in the same run.

    python bench/api_reads.py [--people 3000] [--workers 3] [--clients 8] [--seconds 10]

Starts `cehours serve` (gunicorn, several worker processes) on a fresh data dir with the demo
city — SQLite by default, or the database in DATABASE_URL — and drives it from client threads
over loopback keep-alive connections. The baseline is `/api/v1/health` on the same server in the
same run (routing, middleware, auth-free JSON and one trivial query), so the ratio shows what the
compliance and eligibility logic itself costs, whatever the machine's speed that day.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cehours() -> str:
    return shutil.which("cehours") or str(Path(sys.executable).with_name("cehours"))


def fresh_postgres(url: str) -> tuple[str, Callable[[], None]]:
    """A new empty database beside the one in DATABASE_URL, and a function that drops it."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"cehours_bench_{os.getpid()}"
    admin = make_conninfo(**{**conninfo_to_dict(url), "dbname": "postgres"})
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return url.rsplit("/", 1)[0] + "/" + name, drop


def run(args: list[str], env: dict) -> str:
    return subprocess.run([cehours(), *args], env=env, check=True, capture_output=True, text=True).stdout


def drive(port: int, paths: list[str], headers: dict, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.perf_counter() < stop:
            path = rng.choice(paths)
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

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
        "errors": errors[0],
        "per_second": round(n / elapsed, 1),
        "p50_ms": round(latencies[n // 2] * 1000, 2) if n else None,
        "p95_ms": round(latencies[int(n * 0.95)] * 1000, 2) if n else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    options = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="cehours-bench-")
    env = {**os.environ, "CEHOURS_DATA_DIR": data_dir}
    database = "PostgreSQL" if env.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    drop = None
    if database == "PostgreSQL":
        env["DATABASE_URL"], drop = fresh_postgres(env["DATABASE_URL"])
    print(f"loading demo data ({options.people} people) on {database} …", flush=True)
    run(["migrate", "--noinput"], env)
    run(["demo", "--people", str(options.people)], env)
    token = run(["issue-token", "hr_admin"], env).strip().splitlines()[-1]
    ids = run(
        [
            "shell",
            "-v",
            "0",
            "-c",
            "from cehours.people.models import Person\nfor p in Person.objects.order_by('?')[:200]: print(p.id_number)",
        ],
        env,
    ).split()
    port = free_port()
    server = subprocess.Popen(
        [cehours(), "serve", "--port", str(port), "--workers", str(options.workers), "--no-migrate"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/api/v1/health")
                break
            except OSError:
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {token}"}
        year = time.localtime().tm_year
        scenarios = {
            "baseline /api/v1/health": ["/api/v1/health"],
            "compliance (5 years)": [f"/api/v1/people/{i}/compliance?from={year - 4}&to={year}" for i in ids],
            "eligibility (N=3)": [
                f"/api/v1/people/{i}/eligibility?application_year={year}&required_years=3" for i in ids
            ],
        }
        drive(port, scenarios["baseline /api/v1/health"], headers, options.clients, 1.0)  # warm up
        results = {
            name: drive(port, paths, headers, options.clients, options.seconds) for name, paths in scenarios.items()
        }
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(data_dir, ignore_errors=True)
        if drop is not None:
            drop()

    baseline = results["baseline /api/v1/health"]["per_second"]
    setup = f"{options.workers} workers, {options.clients} clients, {options.seconds:g} s each, {os.cpu_count()} CPUs"
    print(f"\n{database}, {setup}")
    print(f"{'scenario':<28}{'req/s':>10}{'× baseline':>12}{'p50 ms':>10}{'p95 ms':>10}{'errors':>8}")
    for name, r in results.items():
        ratio = r["per_second"] / baseline
        print(f"{name:<28}{r['per_second']:>10}{ratio:>12.2f}{r['p50_ms']:>10}{r['p95_ms']:>10}{r['errors']:>8}")
    print(json.dumps({"database": database, "results": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
