"""Throughput over time as a PNG (matplotlib, imported only when asked for)."""

from __future__ import annotations


def plot_throughput(timeline: list[tuple[float, int]], path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs, ys = [], []
    for (t0, n0), (t1, n1) in zip(timeline, timeline[1:], strict=False):
        if t1 > t0:
            xs.append(t1)
            ys.append((n1 - n0) / (t1 - t0))
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(xs, ys)
    ax.set_xlabel("seconds")
    ax.set_ylabel("pods/s")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
