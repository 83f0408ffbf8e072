"""`kube apiserver`: the Kubernetes API over HTTPS, with Kubernetes' flag names."""

from __future__ import annotations

import argparse
import asyncio
import os

from kube.apiserver.auth.serviceaccount_tokens import KeyFileError
from kube.apiserver.auth.tokens import TokenFileError
from kube.apiserver.config import ServerConfig
from kube.apiserver.rbac.chain import DEFAULT_MODE, MODES, parse_modes
from kube.component.bool_flag import add_bool_flag
from kube.component.daemon import run_daemon
from kube.component.duration import duration_flag
from kube.component.errors import UsageError
from kube.component.flags import add_daemon_flags, add_serving_flags
from kube.store.errors import StoreError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("apiserver", help="serve the Kubernetes API (REST + watch) over HTTPS")
    add_daemon_flags(p, "apiserver", connects=False)
    p.add_argument("--store", default="", help="embedded store: sqlite:PATH")
    p.add_argument("--etcd-servers", default="", help="etcd endpoints: URL,URL,...")
    p.add_argument("--etcd-cafile", default="")
    p.add_argument("--etcd-certfile", default="")
    p.add_argument("--etcd-keyfile", default="")
    p.add_argument("--etcd-prefix", default="")
    add_serving_flags(p, bind_address="0.0.0.0", port=6443, port_flag="--secure-port",
                      port_help="HTTPS port of the API, /healthz, /readyz, /livez and /metrics")
    p.add_argument("--tls-cert-file", default="")
    p.add_argument("--tls-private-key-file", default="")
    p.add_argument("--client-ca-file", default="")
    p.add_argument("--token-auth-file", default="")
    add_bool_flag(p, "enable-bootstrap-token-auth", True,
                  "accept bootstrap tokens (kube-system Secrets of type bootstrap.kubernetes.io/token)")
    p.add_argument("--authorization-mode", default=DEFAULT_MODE,
                   help=f"comma list of authorizers, in order: {', '.join(MODES)} (Node,RBAC as kubeadm)")
    p.add_argument("--service-account-key-file", action="append", default=[],
                   help="PEM file of keys that verify ServiceAccount tokens (repeatable: rotation)")
    p.add_argument("--service-account-signing-key-file", default="", help="PEM private key that signs them")
    p.add_argument("--service-account-issuer", default="https://kubernetes.default.svc.cluster.local")
    p.add_argument("--api-audiences", default="", help="AUD,AUD,...: audiences a token must name (default: the issuer)")
    p.add_argument("--cert-dir", default="", help="where generated certificates go when none are given")
    p.add_argument("--kubelet-client-certificate", default="", metavar="FILE",
                   help="the client certificate it presents to nodes' servers (exec, logs, port-forward)")
    p.add_argument("--kubelet-client-key", default="", metavar="FILE")
    p.add_argument("--kubelet-certificate-authority", default="", metavar="FILE",
                   help="CA that nodes' serving certificates must chain to (default: --client-ca-file)")
    p.add_argument("--service-cluster-ip-range", default="10.96.0.0/12")
    p.add_argument("--service-node-port-range", default="30000-32767")
    p.add_argument("--max-requests-inflight", type=int, default=400,
                   help="with --max-mutating-requests-inflight: the seats API Priority and Fairness shares out")
    p.add_argument("--max-mutating-requests-inflight", type=int, default=200)
    p.add_argument("--connection-idle-timeout", type=float, default=60.0, metavar="SECONDS",
                   help="close a connection that has not sent a complete request head this long after it "
                        "opened (TLS handshake included) or after its last response")
    p.add_argument("--event-ttl", type=duration_flag, default=3600.0, metavar="DURATION",
                   help="how long an Event is kept after it was last written (default 1h)")
    p.add_argument("--watch-bookmark-seconds", type=float, default=10.0, help=argparse.SUPPRESS)
    p.add_argument("--encryption-provider-config", default="", metavar="FILE",
                   help="an EncryptionConfiguration: which resources are encrypted at rest, with which keys")
    p.add_argument("--admission-control-config-file", default="", metavar="FILE",
                   help="an AdmissionConfiguration (the PodSecurity plugin's defaults and exemptions)")
    p.add_argument("--audit-policy-file", default="", metavar="FILE",
                   help="an audit.k8s.io/v1 Policy: which requests are logged at which level")
    p.add_argument("--audit-log-path", default="", metavar="PATH", help="the audit log file, or - for stdout")
    p.add_argument("--audit-log-maxsize", type=int, default=0, metavar="MB",
                   help="rotate the audit log before it passes this size (0: 100 MB)")
    p.add_argument("--audit-log-maxbackup", type=int, default=0, help="rotated audit logs kept (0: all)")
    p.add_argument("--audit-log-maxage", type=int, default=0, metavar="DAYS",
                   help="days a rotated audit log is kept (0: no limit)")
    p.add_argument("--audit-log-format", default="json", help="json (one Event per line; legacy is not supported)")
    p.add_argument("--audit-log-batch-buffer-size", type=int, default=10_000,
                   help="events queued for the log writer; past it they are dropped and counted")
    p.set_defaults(func=run)


def config_from(args: argparse.Namespace) -> ServerConfig:
    if bool(args.store) == bool(args.etcd_servers):
        raise UsageError("give exactly one of --store sqlite:PATH or --etcd-servers URL,...")
    if args.store and not args.store.startswith("sqlite:"):
        raise UsageError(f"--store must look like sqlite:PATH, got {args.store!r}")
    if bool(args.tls_cert_file) != bool(args.tls_private_key_file):
        raise UsageError("--tls-cert-file and --tls-private-key-file go together")
    if bool(args.kubelet_client_certificate) != bool(args.kubelet_client_key):
        raise UsageError("--kubelet-client-certificate and --kubelet-client-key go together")
    for flag in ("kubelet_client_certificate", "kubelet_client_key", "kubelet_certificate_authority"):
        if getattr(args, flag) and not os.path.isfile(getattr(args, flag)):
            raise UsageError(f"--{flag.replace('_', '-')}: no such file {getattr(args, flag)!r}")
    if not 0 < args.secure_port < 65536:
        raise UsageError(f"--secure-port must be 1-65535, got {args.secure_port}")
    try:
        parse_modes(args.authorization_mode)
    except ValueError as exc:
        raise UsageError(f"--authorization-mode: {exc}") from None
    if args.max_requests_inflight < 1:
        raise UsageError("--max-requests-inflight must be at least 1")
    if args.max_mutating_requests_inflight < 0:
        raise UsageError("--max-mutating-requests-inflight must not be negative")
    if not args.event_ttl >= 1:
        raise UsageError(f"--event-ttl must be at least 1s, got {args.event_ttl:g}s")
    if not args.connection_idle_timeout > 0:
        raise UsageError(f"--connection-idle-timeout must be positive, got {args.connection_idle_timeout}")
    from kube.apiserver.allocators.ranges import IpRange, PortRange

    for flag, parse, value in (("--service-cluster-ip-range", IpRange.parse, args.service_cluster_ip_range),
                               ("--service-node-port-range", PortRange.parse, args.service_node_port_range)):
        try:
            parse(value)
        except ValueError as exc:
            raise UsageError(f"{flag}: {exc}") from None
    check_config_files(args)
    check_audit_flags(args)
    return ServerConfig(
        store=args.store or f"etcd:{args.etcd_servers}", etcd_cafile=args.etcd_cafile,
        etcd_certfile=args.etcd_certfile, etcd_keyfile=args.etcd_keyfile, etcd_prefix=args.etcd_prefix,
        bind_address=args.bind_address, secure_port=args.secure_port, tls_cert_file=args.tls_cert_file,
        tls_private_key_file=args.tls_private_key_file, client_ca_file=args.client_ca_file,
        token_auth_file=args.token_auth_file, enable_bootstrap_token_auth=args.enable_bootstrap_token_auth,
        cert_dir=args.cert_dir, kubelet_client_certificate=args.kubelet_client_certificate,
        kubelet_client_key=args.kubelet_client_key, kubelet_certificate_authority=args.kubelet_certificate_authority,
        authorization_mode=args.authorization_mode,
        service_cluster_ip_range=args.service_cluster_ip_range, service_node_port_range=args.service_node_port_range,
        max_requests_inflight=args.max_requests_inflight,
        max_mutating_requests_inflight=args.max_mutating_requests_inflight, watch_bookmark_seconds=args.watch_bookmark_seconds,
        connection_idle_timeout=args.connection_idle_timeout, event_ttl=args.event_ttl,
        service_account_key_files=tuple(args.service_account_key_file),
        service_account_signing_key_file=args.service_account_signing_key_file,
        service_account_issuer=args.service_account_issuer,
        api_audiences=tuple(a.strip() for a in args.api_audiences.split(",") if a.strip()),
        encryption_provider_config=args.encryption_provider_config,
        admission_control_config_file=args.admission_control_config_file,
        audit_policy_file=args.audit_policy_file, audit_log_path=args.audit_log_path,
        audit_log_maxsize=args.audit_log_maxsize, audit_log_maxbackup=args.audit_log_maxbackup,
        audit_log_maxage=args.audit_log_maxage, audit_log_batch_buffer_size=args.audit_log_batch_buffer_size,
    )


def check_audit_flags(args: argparse.Namespace) -> None:
    """The audit flags and policy file, checked before serving: a bad one is one line."""
    from kube.apiserver.audit import AuditPolicyError, load

    if args.audit_log_format != "json":
        raise UsageError(f"--audit-log-format {args.audit_log_format!r} is not supported: only json")
    for flag, value in (("--audit-log-maxsize", args.audit_log_maxsize), ("--audit-log-maxbackup",
                        args.audit_log_maxbackup), ("--audit-log-maxage", args.audit_log_maxage)):
        if value < 0:
            raise UsageError(f"{flag} must not be negative, got {value}")
    if args.audit_log_batch_buffer_size < 1:
        raise UsageError("--audit-log-batch-buffer-size must be at least 1")
    if args.audit_policy_file:
        try:
            load(args.audit_policy_file)
        except AuditPolicyError as exc:
            raise UsageError(str(exc)) from None


def check_config_files(args: argparse.Namespace) -> None:
    """The encryption and admission files, read once before serving: a bad one is one line."""
    from kube.apiserver.admission.pod_security.config import AdmissionConfigError
    from kube.apiserver.admission.pod_security.config import load as load_admission
    from kube.apiserver.storage.encryption_config import EncryptionConfigError, load

    try:
        if args.encryption_provider_config:
            load(args.encryption_provider_config)
        load_admission(args.admission_control_config_file)
    except (EncryptionConfigError, AdmissionConfigError) as exc:
        raise UsageError(str(exc)) from None


async def serve(config: ServerConfig, stop: asyncio.Event) -> None:
    from kube.apiserver.server import APIServer

    server = APIServer(config)
    try:
        await server.start()
    except OSError as exc:
        raise UsageError(f"cannot serve on {config.bind_address}:{config.secure_port}: {exc}") from None
    try:
        await stop.wait()
    finally:
        await server.stop()


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    # an unreachable etcd, an unreadable token file: the operator's to fix, in one line
    return run_daemon(args, lambda stop: serve(config, stop), user_errors=(StoreError, TokenFileError, KeyFileError))
