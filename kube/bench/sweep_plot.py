"""`kube bench sweep --plot DIR`: sweep.png, each cost against cluster size on log-log axes
with its fitted power law, so a straight line's slope is the growth exponent."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from kube.bench.sweep_report import COSTS


def panels(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(fit name, x key, y key) per panel: every cost against nodes, then RSS against pods."""
    return [(f"{key} vs nodes", "nodes", key) for key, _ in COSTS] + \
        [("apiserver_rss_mib vs pods", "pods", "apiserver_rss_mib")]


def plot_sweep(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    plain = FuncFormatter(lambda v, _pos: f"{v:g}")

    chosen = panels(report)
    cols = 4
    fig, axes = plt.subplots(math.ceil(len(chosen) / cols), cols, figsize=(13, 6.5), squeeze=False)
    for ax, (name, x_key, y_key) in zip(axes.flat, chosen, strict=False):
        pts = [(r[x_key], r[y_key]) for r in report["rows"] if r[y_key]]
        ax.loglog([x for x, _ in pts], [y for _, y in pts], "o", color="#4c72b0")
        fit = report["fits"][name]
        if fit and pts:
            xs = [r[x_key] for r in report["rows"]]
            ax.loglog(xs, [fit["coefficient"] * x ** fit["exponent"] for x in xs], "--", color="#c44e52",
                      label=f"k = {fit['exponent']:.2f}, R² = {fit['r2']:.2f}")
            ax.legend(fontsize=7, loc="best")
        ax.set_xticks([r[x_key] for r in report["rows"]], [str(r[x_key]) for r in report["rows"]])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
        ax.set_title(y_key.replace("_", " "), fontsize=9)
        ax.set_xlabel(x_key, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(chosen):]:
        ax.set_visible(False)
    fig.suptitle(f"kube bench sweep: cost vs cluster size (store {report['config']['store']})", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
