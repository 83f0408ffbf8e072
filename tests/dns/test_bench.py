"""`kube bench dns` runs end to end (API server, kube dns, load) and reports its figures;
the numbers themselves belong in docs/benchmarks.md, not in an assertion."""

from __future__ import annotations

import json
import subprocess
import sys


def test_bench_dns_reports_answers() -> None:
    out = subprocess.run([sys.executable, "-m", "kube", "bench", "dns", "--duration", "1", "--json"],
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    assert figures["answered"] > 0 and figures["failed"] == 0 and figures["qps"] > 0


def test_bench_dns_bad_server_is_one_line() -> None:
    out = subprocess.run([sys.executable, "-m", "kube", "bench", "dns", "--server", "nowhere"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and out.stderr.strip().count("\n") == 0 and "--server" in out.stderr
