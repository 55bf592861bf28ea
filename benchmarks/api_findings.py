"""JSON API: a page of findings from a large validation run, against the cheapest API call.

Writes a validation run whose ``errors.csv`` holds N findings (default 100,000 — a large LA's
903 with many queries) and asks the API for the first page, a page filtered by one rule, and a
page for one child (by place in the child summary), each through Django's test client with a
signed-in analyst. The anchor, measured in the same run the same way, is ``GET /api/me``: the
same middleware, session and JSON encoding with no work behind it. Prints the median of each and
its ratio to the anchor.

    python benchmarks/api_findings.py            # 100,000 findings
    python benchmarks/api_findings.py 20000
"""

from __future__ import annotations

import csv
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

RULES = [str(code) for code in range(100, 160)]


def main(findings: int) -> None:
    state = Path(tempfile.mkdtemp(prefix="kinsight-api-bench-"))
    os.environ["KINSIGHT_STATE_DIR"] = str(state)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kinsight.web.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from kinsight.web.accounts.models import Account
    from kinsight.web.quality.models import ValidationRun
    from django.contrib.auth import get_user_model

    call_command("migrate", verbosity=0)
    token = secrets.token_hex(16)
    reports = state / "validations" / token / "reports"
    reports.mkdir(parents=True)
    children = max(findings // 5, 1)
    with open(reports / "errors.csv", "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["rule_code", "severity", "table", "row_number", "child_id", "field", "message"])
        for n in range(findings):
            out.writerow([RULES[n % len(RULES)], "error", "Header", n + 2, f"LA{n % children:07d}", "SEX",
                          "Sex must be provided"])
    with open(reports / "child_summary.csv", "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["child_id", "errors", "queries"])
        out.writerows([f"LA{c:07d}", 5, 0] for c in range(children))
    with open(reports / "error_summary.csv", "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["code", "severity", "message", "count"])
        out.writerows([code, "error", "Sex must be provided", findings // len(RULES)] for code in RULES)
    ValidationRun.objects.create(token=token, return_type="ssda903", year=2026, la="E08000025", uploaded_by="bench",
                                 headline={"errors": findings})
    user = get_user_model().objects.create_user("bench-analyst")
    Account.objects.create(user=user, role="analyst")
    client = Client()
    client.force_login(user)

    def median_ms(path: str, query: dict | None = None, repeat: int = 15) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(path, query or {})
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:200]
        return statistics.median(times)

    anchor = median_ms("/api/me")
    base = f"/api/quality/validations/{token}/findings"
    print(f"{findings:,} findings, {children:,} children; anchor GET /api/me: {anchor:.1f} ms")
    for label, query in [("first page", {}), ("one rule", {"rule": RULES[3]}),
                         ("one child", {"child": str(children // 2)}), ("page 500 of 200", {"page": "500", "page_size": "200"})]:
        took = median_ms(base, query)
        print(f"findings, {label:>16}: {took:8.1f} ms  ratio to anchor {took / anchor:6.1f}")
    took = median_ms(f"/api/quality/validations/{token}", repeat=5)
    print(f"run summary (rules, children): {took:8.1f} ms  ratio to anchor {took / anchor:6.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
