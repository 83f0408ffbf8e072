"""`kube bench density --plot DIR`: latency, memory and throughput over the run as PNGs,
with the raw series beside them (series.json) so the figures can be drawn again.

latency.png: p50/p90/p99 of the clients' API calls per window, and of pod startup by the
window the pod became Running in; memory.png: each process's RSS; throughput.png: pods
Running per second per window and in total. Phase ends are dashed vertical lines.
matplotlib is imported only here (require_matplotlib checks for it before a run)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from kube.bench.density_series import PHASES, window_percentiles, window_rates

FILES = ("latency.png", "memory.png", "throughput.png", "series.json")
_QUANTILES = (("p50", "#4c72b0"), ("p90", "#dd8452"), ("p99", "#c44e52"))


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _phases(ax: Any, series: dict[str, Any]) -> None:
    for name in PHASES:
        if name in series["phases"]:
            ax.axvline(series["phases"][name], color="#777777", linestyle="--", linewidth=0.8)
            ax.annotate(name.replace("_", " "), (series["phases"][name], 1.0), xycoords=("data", "axes fraction"),
                        rotation=90, va="top", ha="right", fontsize=7, color="#555555")


def _percentile_lines(ax: Any, points: list[tuple[float, float]], width: float, scale: float, unit: str) -> None:
    rows: list[dict[str, float] | None] = []
    for r in window_percentiles(points, width):  # a window without calls breaks the line (None)
        if rows and rows[-1] is not None and r["t"] - rows[-1]["t"] > width:
            rows.append(None)
        rows.append(r)
    for q, colour in _QUANTILES:
        ax.plot([math.nan if r is None else r["t"] + width / 2 for r in rows],
                [math.nan if r is None else r[q] * scale for r in rows], marker=".", color=colour, label=q)
    ax.set_ylabel(unit)
    ax.set_ylim(bottom=0)
    ax.legend(loc="best", fontsize=8)


def plot_latency(series: dict[str, Any], path: Path, title: str) -> None:
    plt, width = _pyplot(), series["window_seconds"]
    fig, (calls, startup) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    _percentile_lines(calls, [(t, s) for t, _key, s in series["calls"]], width, 1000.0, "client API call, ms")
    calls.set_title(f"{title}: client API call latency per {width:g} s window")
    _percentile_lines(startup, [(t, s) for t, s in series["pod_startup"]], width, 1.0, "pod startup, s")
    startup.set_title("pod startup (by the window the pod was seen Running in)")
    startup.set_xlabel("seconds since start")
    for ax in (calls, startup):
        _phases(ax, series)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_memory(series: dict[str, Any], path: Path, title: str) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for name, points in series["processes"].items():
        ax.plot([p[0] for p in points], [p[1] for p in points], label=name)
    _phases(ax, series)
    ax.set_xlabel("seconds since start")
    ax.set_ylabel("RSS, MiB")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{title}: resident memory")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_throughput(series: dict[str, Any], path: Path, title: str) -> None:
    plt, width = _pyplot(), series["window_seconds"]
    running = sorted(t for t, _s in series["pod_startup"])
    rows = window_rates(running, width)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    ax.bar([r[0] for r in rows], [r[1] for r in rows], width=width, align="edge", color="#4c72b0", alpha=0.8,
           label=f"pods Running /s (per {width:g} s)")
    total = ax.twinx()
    total.plot(running[:1] + running, [0, *range(1, len(running) + 1)], color="#55a868",
               label="pods Running in total")
    total.set_ylabel("pods Running in total")
    total.set_ylim(bottom=0)
    _phases(ax, series)
    ax.set_xlabel("seconds since start")
    ax.set_ylabel("pods/s")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{title}: throughput")
    handles = ax.get_legend_handles_labels()[0] + total.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_plots(series: dict[str, Any], directory: Path, title: str) -> list[Path]:
    """The three PNGs and series.json in `directory` (made if missing); the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "series.json").write_text(json.dumps(series))
    plot_latency(series, directory / "latency.png", title)
    plot_memory(series, directory / "memory.png", title)
    plot_throughput(series, directory / "throughput.png", title)
    return [directory / name for name in FILES]
