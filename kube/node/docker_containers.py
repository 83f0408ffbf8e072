"""Docker containers as Kubernetes container statuses (pure: inspect output in, status out).

Every restart of a pod's container is a new Docker container labelled with its
attempt number; the newest one is the container's `state`, the one before its
`lastState`, and the newest's attempt number its `restartCount`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kube.api.meta import Obj
from kube.node.container_config import L_CONTAINER, L_KIND, L_RESTARTS

NEVER = "0001-01-01T00:00:00Z"


def rfc3339(docker_time: str) -> str:
    """Docker's nanosecond timestamps as metav1.Time ("2024-05-01T10:00:00Z")."""
    return (docker_time or NEVER)[:19] + "Z"


def epoch(docker_time: str) -> float:
    try:
        return datetime.fromisoformat(rfc3339(docker_time).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def precise_epoch(docker_time: str) -> float:
    """Docker's RFC 3339 time with its nanoseconds kept (to order events within one second)."""
    text = docker_time or NEVER
    whole, _, rest = text.partition(".")
    fraction = rest.rstrip("Z").split("+")[0].split("-")[0] if rest else ""
    base = epoch(whole + "Z" if not whole.endswith("Z") else whole)
    return base + (float(f"0.{fraction}") if fraction.isdigit() else 0.0)


@dataclass(frozen=True)
class Instance:
    """One Docker container (one attempt of one pod container)."""

    id: str
    name: str  # the pod container's name ("POD" for the sandbox)
    kind: str  # pause | init | app
    restarts: int
    running: bool
    exit_code: int
    oom_killed: bool
    error: str
    started_at: str
    finished_at: str
    image: str
    image_id: str
    labels: dict[str, str]

    @classmethod
    def from_inspect(cls, attrs: Obj) -> Instance:
        state = attrs.get("State") or {}
        config = attrs.get("Config") or {}
        labels = config.get("Labels") or {}
        try:
            restarts = int(labels.get(L_RESTARTS, "0"))
        except ValueError:
            restarts = 0
        return cls(id=str(attrs.get("Id", "")), name=labels.get(L_CONTAINER, ""), kind=labels.get(L_KIND, "app"),
                   restarts=restarts, running=bool(state.get("Running")), exit_code=int(state.get("ExitCode") or 0),
                   oom_killed=bool(state.get("OOMKilled")), error=str(state.get("Error") or ""),
                   started_at=str(state.get("StartedAt") or NEVER), finished_at=str(state.get("FinishedAt") or NEVER),
                   image=str(config.get("Image", "")), image_id=str(attrs.get("Image", "")), labels=labels)

    @property
    def container_id(self) -> str:
        return f"docker://{self.id}"

    @property
    def ever_started(self) -> bool:
        return not self.started_at.startswith("0001")

    def terminated(self) -> Obj:
        if self.oom_killed:
            reason = "OOMKilled"
        elif self.error or not self.ever_started:
            reason = "StartError"
        else:
            reason = "Completed" if self.exit_code == 0 else "Error"
        state: Obj = {"exitCode": self.exit_code if self.exit_code or self.ever_started else 128, "reason": reason,
                      "startedAt": rfc3339(self.started_at) if self.ever_started else None,
                      "finishedAt": rfc3339(self.finished_at), "containerID": self.container_id}
        if self.error:
            state["message"] = self.error
        return state

    def state(self) -> Obj:
        if self.running:
            return {"running": {"startedAt": rfc3339(self.started_at)}}
        return {"terminated": self.terminated()}


def container_status(container: Obj, attempts: list[Instance], waiting: tuple[str, str] | None,
                     ready: bool, started: bool) -> Obj:
    """A ContainerStatus from the container's attempts (oldest first) and the agent's notes."""
    name = str(container.get("name", ""))
    image = str(container.get("image", ""))
    latest = attempts[-1] if attempts else None
    previous = attempts[-2] if len(attempts) > 1 else None
    status: Obj = {"name": name, "image": image, "imageID": "", "restartCount": 0, "ready": False,
                   "started": False, "lastState": {}}
    if latest is not None:
        status.update(imageID=f"docker-pullable://{latest.image_id}" if latest.image_id else "",
                      containerID=latest.container_id, restartCount=latest.restarts,
                      state=latest.state(), ready=latest.running and ready, started=latest.running and started)
        if previous is not None:
            status["lastState"] = {"terminated": previous.terminated()}
    if waiting is not None and (latest is None or not latest.running):
        reason, message = waiting
        if latest is not None:  # exited and waiting to restart: the exit becomes lastState
            status["lastState"] = {"terminated": latest.terminated()}
        status["state"] = {"waiting": {"reason": reason, "message": message} if message else {"reason": reason}}
    elif latest is None:
        status["state"] = {"waiting": {"reason": "ContainerCreating"}}
    return status
