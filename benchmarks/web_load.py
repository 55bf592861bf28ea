"""Web service under load: p95 of the insight dashboard and the child view at 20 concurrent
users on a 300,000-child local authority, against the 300 ms target.

Builds a warehouse snapshot of the contract's shape (docs/contracts.md §5) for a 300,000-child
LA directly in DuckDB (persons, identifiers, referrals, education, case notes, looked-after
episodes, source records), starts ``kinsight serve --demo-users`` on loopback (waitress), signs
20 analysts and 20 social workers in, and has 20 users at a time request each page, each
reading for about a second (0.5–1.5 s) between requests. The child
view is the full governed path: a policy decision per source and an audit entry for the view,
every time.

The anchor, measured in the same run at the same concurrency, is the accessibility statement:
a page through the same server, middleware and templates with no data behind it. Prints each
page's p50 and p95, the ratio of p95 to the 300 ms target (below 1.0 meets it) and to the anchor.
The first dashboard request (computing every indicator once per snapshot) and the first child
view (indexing where each child's rows are, once per snapshot) are timed separately.

    python benchmarks/web_load.py            # 300,000 children
    python benchmarks/web_load.py 50000      # a smaller LA
"""

from __future__ import annotations

import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import requests

from kinsight.analysis.dummy import create_tables

TARGET_MS = 300.0
USERS = 20
REQUESTS_PER_USER = 10
#: Seconds a user spends reading a page before the next request (uniform around this mean):
#: 20 concurrent *users*, not 20 requests in flight back to back.
THINK_SECONDS = 1.0
WARDS = ["E05009395", "E05009396", "E05009397", "E05009398", "E05009399", "E05009400", "E05009401",
         "E05009402", "E05009403", "E05009404", "E05009405", "E05009406"]


def build_la(root: Path, children: int) -> Path:
    """kinsight.toml and a current snapshot for an LA of ``children`` children."""
    root.mkdir(parents=True)
    (root / "kinsight.toml").write_text(
        '[project]\nla = "E06000042"\nwarehouse = "warehouse"\n\n'
        '[[sources]]\nname = "social_care_persons"\npath = "partners/social_care_persons"\n'
        'format = "csv"\nrecord_id = "CHILD_ID"\nagreement = "multi-agency-safeguarding"\n', encoding="utf-8")
    snapshots = root / "warehouse" / "snapshots"
    snapshots.mkdir(parents=True)
    wards = "[" + ", ".join(f"'{w}'" for w in WARDS) + "]"
    with duckdb.connect(str(snapshots / "20260401T000000Z.duckdb")) as con:
        create_tables(con)
        con.execute("INSERT INTO snapshot_info (snapshot_id, created_at, la, collection_year, config_sha256) "
                    "VALUES ('20260401T000000Z', now(), 'E06000042', 2026, '')")
        con.execute(f"""
            CREATE TEMP TABLE kids AS SELECT i, 'P' || lpad(CAST(i AS VARCHAR), 10, '0') AS person_id
            FROM range(1, {children} + 1) t(i)""")
        lineage = "source, record_id, file, row_number, load_id"
        con.execute(f"""INSERT INTO persons (person_id, sex, dob, ethnicity, postcode, lsoa11, ward_code,
                        imd_decile, la_child_id, {lineage})
            SELECT person_id, CASE WHEN i % 2 = 0 THEN 'M' ELSE 'F' END,
                   DATE '2008-04-01' + CAST(i % 6500 AS INTEGER), 'WBRI', 'MK9 1AA', NULL,
                   {wards}[1 + i % {len(WARDS)}], 1 + i % 10, 'LA' || i,
                   'social_care_persons', 'C' || i, 'persons.csv', i, 'L1' FROM kids""")
        con.execute(f"""INSERT INTO identifiers (person_id, kind, value, is_valid, {lineage})
            SELECT person_id, 'la_child_id', 'LA' || i, TRUE, 'social_care_persons', 'C' || i, 'persons.csv', i, 'L1'
            FROM kids""")
        con.execute(f"""INSERT INTO education (person_id, census_date, school_urn, nc_year, fsm_eligible,
                        sen_provision, sessions_possible, sessions_authorised_absence,
                        sessions_unauthorised_absence, suspensions, permanent_exclusion, {lineage})
            SELECT person_id, DATE '2026-01-15', '11' || (i % 90), CAST(i % 13 AS VARCHAR), i % 5 = 0, 'N',
                   300, i % 20, i % 7, 0, FALSE, 'school_census', 'S' || i, 'school.csv', i, 'L2' FROM kids""")
        con.execute(f"""INSERT INTO referrals (person_id, referral_id, referral_date, referral_source,
                        primary_need, referral_nfa, {lineage})
            SELECT person_id, 'R' || i, DATE '2025-04-01' + CAST(i % 365 AS INTEGER), '1A', 'N1', i % 7 = 0,
                   'cin_census', 'LA' || i, 'cin.xml', i, 'L3' FROM kids WHERE i % 5 = 0""")
        con.execute(f"""INSERT INTO case_notes (person_id, note_date, author_role, note_text, {lineage})
            SELECT person_id, DATE '2025-05-01' + CAST(n AS INTEGER), 'social worker', 'Home visit ' || n,
                   'case_notes', 'N' || i || '-' || n, 'notes.csv', i, 'L4'
            FROM kids, range(3) r(n) WHERE i % 10 = 0""")
        con.execute(f"""INSERT INTO cla_episodes (person_id, child, decom, rne, ls, cin, place, {lineage})
            SELECT person_id, 'LA' || i, DATE '2025-06-01' + CAST(i % 200 AS INTEGER), 'S', 'C2', 'N1', 'U1',
                   'ssda903', 'LA' || i, 'episodes.csv', i, 'L5' FROM kids WHERE i % 100 = 0""")
        con.execute(f"""INSERT INTO source_records SELECT DISTINCT person_id, {lineage} FROM (
            SELECT person_id, {lineage} FROM persons UNION ALL SELECT person_id, {lineage} FROM education
            UNION ALL SELECT person_id, {lineage} FROM referrals UNION ALL SELECT person_id, {lineage} FROM case_notes
            UNION ALL SELECT person_id, {lineage} FROM cla_episodes)""")
    (root / "warehouse" / "CURRENT").write_text("20260401T000000Z\n", encoding="utf-8")
    return root / "kinsight.toml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed_in(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    form = session.get(base + "/sign-in/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    session.post(base + "/sign-in/", data={"username": username, "password": password,
                                           "csrfmiddlewaretoken": token}, timeout=30)
    return session


def caseload(base: str, session: requests.Session) -> list[str]:
    return sorted(set(re.findall(r'name="person_id" value="(P\d{10})"', session.get(base + "/children/", timeout=30).text)))


def timed(get) -> float:
    started = time.perf_counter()
    response = get()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.method} {response.url}: {response.status_code}")
    return elapsed


def load(sessions: list[requests.Session], request_of) -> list[float]:
    """USERS threads, each making REQUESTS_PER_USER requests with think time; every latency in ms."""
    latencies: list[float] = []
    lock = threading.Lock()

    def user(n: int) -> None:
        pause = random.Random(n)
        mine = []
        for k in range(REQUESTS_PER_USER):
            time.sleep(pause.uniform(0.5, 1.5) * THINK_SECONDS)
            mine.append(timed(lambda: request_of(sessions[n], n, k)))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main(children: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        config = build_la(Path(folder) / "la", children)
        print(f"built a {children:,}-child warehouse in {time.perf_counter() - started:.1f} s")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KINSIGHT_", "DJANGO_"))}
        server = subprocess.Popen(
            [sys.executable, "-m", "kinsight", "serve", "--config", str(config), "--port", str(port), "--demo-users"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=folder)
        try:
            for _ in range(240):
                try:
                    requests.get(base + "/sign-in/", timeout=5)
                    break
                except requests.RequestException:
                    time.sleep(0.5)
            analysts = [signed_in(base, "analyst", "demo-analyst") for _ in range(USERS)]
            workers = [signed_in(base, "social_worker", "demo-social-worker") for _ in range(USERS)]
            children_seen = caseload(base, workers[0])
            if not children_seen:
                raise RuntimeError("the demo social worker has no caseload")
            first = timed(lambda: analysts[0].get(base + "/insight/", timeout=600))
            print(f"first dashboard request (computes every indicator for the snapshot): {first / 1000:.1f} s")

            def open_child(session, n, k):
                token = session.cookies.get("csrftoken")
                person = children_seen[(n + k) % len(children_seen)]
                return session.post(base + "/children/open/", timeout=60, headers={"Referer": base + "/children/"},
                                    data={"person_id": person, "purpose": "safeguarding", "csrfmiddlewaretoken": token})

            first = timed(lambda: open_child(workers[0], 0, -1))
            print(f"first child view (indexes where each child's rows are in the snapshot): {first / 1000:.1f} s")

            results = {
                "accessibility statement (anchor)": load(analysts, lambda s, n, k: s.get(base + "/accessibility/", timeout=60)),
                "insight dashboard": load(analysts, lambda s, n, k: s.get(base + "/insight/", timeout=60)),
                "child view": load(workers, open_child),
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
    anchor = p95(results["accessibility statement (anchor)"])
    print(f"{USERS} concurrent users x {REQUESTS_PER_USER} requests each, {children:,} children, loopback")
    for page, values in results.items():
        value = p95(values)
        print(f"  {page:34s} p50 {statistics.median(values):7.1f} ms  p95 {value:7.1f} ms  "
              f"p95/target {value / TARGET_MS:5.2f}  p95/anchor {value / anchor:5.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300_000)
