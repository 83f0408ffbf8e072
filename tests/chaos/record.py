"""What a chaos run proved, in numbers: restarts survived per component, writes checked,
events checked, lost. Printed at the end of the run and written as JSON to
$CHAOS_RESULTS (default /tmp/kube-chaos/results.json) for docs/reliability.md."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS = Path(os.environ.get("CHAOS_RESULTS", "/tmp/kube-chaos/results.json"))


def rounds() -> int:
    """CHAOS_ROUNDS (default 3): kill-and-restart rounds per component."""
    return max(1, int(os.environ.get("CHAOS_ROUNDS", "3")))


@dataclass
class Scenario:
    restarts: int = 0  # SIGKILLs followed by a start, each followed by a converged round
    round_seconds: list[float] = field(default_factory=list)  # convergence time of each round


@dataclass
class ChaosRecord:
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    writes_checked: int = 0  # acknowledged writes whose watch event was looked for
    events_checked: int = 0  # configmap watch events compared with the acknowledgements
    lost: int = 0
    duplicated: int = 0
    unacknowledged_seen: int = 0  # writes that failed in flight yet happened (allowed)
    relists: int = 0  # 410s answered by relisting (required to be 0)
    pod_events: int = 0  # pod watch events the replica ceiling was checked on
    ceiling_violations: int = 0
    notes: list[str] = field(default_factory=list)

    def survived(self, scenario: str, seconds: float) -> None:
        entry = self.scenarios.setdefault(scenario, Scenario())
        entry.restarts += 1
        entry.round_seconds.append(round(seconds, 2))

    def lines(self) -> list[str]:
        out = [f"chaos: CHAOS_ROUNDS={rounds()}"]
        for name, s in self.scenarios.items():
            slowest = max(s.round_seconds, default=0.0)
            out.append(f"  {name:<36} {s.restarts:>3} restarts survived (slowest round converged in {slowest:.1f}s)")
        out.append(f"  writes checked {self.writes_checked}, events checked {self.events_checked}, "
                   f"lost {self.lost}, duplicated {self.duplicated}, unacknowledged seen {self.unacknowledged_seen}, "
                   f"relists {self.relists}")
        out.append(f"  pod events checked {self.pod_events}, replica ceiling violations {self.ceiling_violations}")
        out += [f"  {note}" for note in self.notes]
        return out

    def write(self) -> None:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({"rounds": rounds(), "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                       time.gmtime()), **asdict(self)}, indent=2) + "\n")


RECORD = ChaosRecord()
