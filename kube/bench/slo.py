"""Kubernetes' scalability SLOs (sig-scalability's slos.md) as verdicts on a density run.

Pod startup p99 <= 5 s; mutating API calls and single-object reads p99 <= 1 s each
(per verb x resource, the worst one judged); lists p99 <= 5 s namespace-scoped and
<= 30 s cluster-scoped. Calls come from the server's histogram where it can tell them
apart; this API server's histogram has no `scope` label, so lists are judged from the
clients' timings, which do know their scope."""

from __future__ import annotations

from typing import Any

MUTATING = frozenset({"create", "update", "patch", "delete", "deletecollection"})

# (name, threshold seconds, source, predicate on a latency row)
SLOS: tuple[tuple[str, float, str, Any], ...] = (
    ("mutating API calls p99", 1.0, "server", lambda row: row["verb"] in MUTATING),
    ("single-object reads p99", 1.0, "server", lambda row: row["verb"] == "get"),
    ("namespace-scoped lists p99", 5.0, "client", lambda row: row["verb"] == "list" and row["scope"] == "namespace"),
    ("cluster-scoped lists p99", 30.0, "client", lambda row: row["verb"] == "list" and row["scope"] == "cluster"),
)
POD_STARTUP_SECONDS = 5.0


def _verdict(name: str, threshold: float, source: str, worst: tuple[float, str] | None) -> dict[str, Any]:
    if worst is None:
        return {"slo": name, "threshold_seconds": threshold, "source": source, "p99_seconds": None,
                "worst": None, "pass": None}
    return {"slo": name, "threshold_seconds": threshold, "source": source, "p99_seconds": round(worst[0], 4),
            "worst": worst[1], "pass": worst[0] <= threshold}


def verdicts(pod_startup_p99: float | None, server: dict[str, dict[str, Any]],
             client: dict[str, dict[str, Any]], pods: str = "pods") -> list[dict[str, Any]]:
    """One verdict per SLO: pass True/False with the figure it was judged on (None: no data);
    `pods` names the pods the startup figure is of (the latency pods, as ClusterLoader2)."""
    out = [_verdict("pod startup p99", POD_STARTUP_SECONDS, "watch",
                    None if pod_startup_p99 is None else (pod_startup_p99, pods))]
    for name, threshold, source, wanted in SLOS:
        rows = server if source == "server" else client
        judged = [(row["p99"], key) for key, row in rows.items() if row.get("count") and wanted(row)]
        out.append(_verdict(name, threshold, source, max(judged) if judged else None))
    return out
