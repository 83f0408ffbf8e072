"""Throughput over time as a PNG (matplotlib, imported only when asked for).

The timeline is (seconds, pods done so far) samples taken at irregular moments;
rates between neighbouring samples are noise (bursts of acknowledgements), so
the counts are resampled into equal time bins: pods/s per bin as bars, the run's
average as a dashed line, the cumulative count on a second axis, and (when given)
the moment the first pod was done, which ends the cold start.
"""

from __future__ import annotations

from bisect import bisect_right

BINS = 60


def require_matplotlib(flag: str = "--plot") -> None:
    """A one-line CLI error before a run starts when the plot it was asked for cannot be drawn."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        from kube.cli.main import CliError

        raise CliError(f"{flag} needs matplotlib, which is not installed (pip install matplotlib)") from None


def binned_rates(timeline: list[tuple[float, int]], bins: int = BINS) -> tuple[list[float], list[float], float]:
    """(bin starts, pods/s per bin, bin width) from cumulative samples, counts interpolated linearly."""
    points = sorted(timeline)
    if len(points) < 2 or points[-1][0] <= points[0][0]:
        return [], [], 0.0
    t0, t1 = points[0][0], points[-1][0]
    width = (t1 - t0) / bins
    times = [t for t, _ in points]

    def done_at(t: float) -> float:
        if t <= t0:  # what was done at the first sample; a jump at t0 belongs to the first bin
            return float(points[0][1])
        i = bisect_right(times, t)
        if i >= len(points):
            return float(points[-1][1])
        (ta, na), (tb, nb) = points[i - 1], points[i]
        return na + (nb - na) * ((t - ta) / (tb - ta) if tb > ta else 1.0)

    edges = [t0 + k * width for k in range(bins)] + [t1]  # the last edge exactly t1: no pod lost to rounding
    rates = [(done_at(b) - done_at(a)) / width for a, b in zip(edges, edges[1:], strict=False)]
    return edges[:-1], rates, width


def plot_throughput(timeline: list[tuple[float, int]], path: str, title: str,
                    first_pod: float | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    starts, rates, width = binned_rates(timeline)
    points = sorted(timeline)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    if starts:
        ax.bar(starts, rates, width=width, align="edge", color="#4c72b0", alpha=0.8, label="pods/s (per bin)")
        span = points[-1][0] - points[0][0]
        average = (points[-1][1] - points[0][1]) / span
        ax.axhline(average, color="#c44e52", linestyle="--", label=f"average {average:,.0f} pods/s")
        if first_pod is not None:
            ax.axvline(first_pod, color="#8172b2", linestyle=":", label=f"first pod at {first_pod:.3f} s")
        cumulative = ax.twinx()
        cumulative.plot([t for t, _ in points], [n for _, n in points], color="#55a868", label="pods done")
        cumulative.set_ylabel("pods done")
        cumulative.set_ylim(bottom=0)
        handles = ax.get_legend_handles_labels()[0] + cumulative.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="upper left", framealpha=0.9)
    ax.set_xlabel("seconds since start")
    ax.set_ylabel("pods/s")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
