"""The API server's audit log, as kube-apiserver's: `--audit-policy-file` says what is
logged at which level, `--audit-log-path` where (a file, rotated, or "-" for stdout).

    policy.py     the audit.k8s.io/v1 Policy: load, validate, first matching rule
    record.py     one request's record, filled in by the dispatcher; its Events
    event.py      the Event dict in Kubernetes' field order
    redaction.py  what is never logged (Secrets' and tokens' bodies, managedFields)
    auditor.py    the middleware: stages, bodies, the Audit-Id header
    writer.py     bounded queue + writer thread; Kubernetes' audit metrics
    rotation.py   lumberjack's size rotation, backup names, maxbackup / maxage

Auditing is on only when both flags are given (as Kubernetes: a policy without a backend,
or a backend without a policy, logs nothing).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from kube.apiserver.audit.auditor import Auditor
from kube.apiserver.audit.policy import AuditPolicyError, load
from kube.apiserver.audit.writer import AuditMetrics, LogWriter
from kube.apiserver.config import ServerConfig

__all__ = ["AuditPolicyError", "Auditor", "from_config", "load"]


def from_config(config: ServerConfig, registry: CollectorRegistry) -> Auditor | None:
    if not config.audit_policy_file or not config.audit_log_path:
        return None
    policy = load(config.audit_policy_file)
    writer = LogWriter(config.audit_log_path, AuditMetrics(registry), max_size_mb=config.audit_log_maxsize,
                       max_backups=config.audit_log_maxbackup, max_age_days=config.audit_log_maxage,
                       buffer_size=config.audit_log_batch_buffer_size)
    return Auditor(policy, writer)
