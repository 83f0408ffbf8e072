"""The API server's settings, as its flags name them."""

from __future__ import annotations

from dataclasses import dataclass

from kube.store.protocol import MAX_REQUEST_BYTES


@dataclass
class ServerConfig:
    store: str = ""  # "sqlite:PATH" or "etcd:URL,..." (what kube.store.open.open_store takes)
    etcd_cafile: str = ""
    etcd_certfile: str = ""
    etcd_keyfile: str = ""
    etcd_prefix: str = ""
    bind_address: str = "0.0.0.0"
    secure_port: int = 6443
    tls_cert_file: str = ""
    tls_private_key_file: str = ""
    client_ca_file: str = ""
    token_auth_file: str = ""
    # bootstrap tokens (auth/bootstrap_tokens.py); Kubernetes' default is off, kubeadm turns it on, as we do
    enable_bootstrap_token_auth: bool = True
    cert_dir: str = ""
    # how it reaches nodes' servers (subresources/node_connection.py): its client certificate, and the
    # CA their serving certificates must chain to (default: --client-ca-file)
    kubelet_client_certificate: str = ""
    kubelet_client_key: str = ""
    kubelet_certificate_authority: str = ""
    service_cluster_ip_range: str = "10.96.0.0/12"
    service_node_port_range: str = "30000-32767"
    # API Priority and Fairness (flowcontrol/): the two add up to the seats its priority levels share
    max_requests_inflight: int = 400
    max_mutating_requests_inflight: int = 200
    flowcontrol_queue_wait: float = 15.0  # seconds in a queue before a 429 (Kubernetes: request timeout / 4)
    max_body_bytes: int = MAX_REQUEST_BYTES
    watch_bookmark_seconds: float = 10.0
    min_request_timeout: int = 1800  # default watch timeout, as Kubernetes' --min-request-timeout
    compaction_interval: float = 300.0
    event_ttl: float = 3600.0  # --event-ttl: seconds an Event is kept after it was written (store leases)
    # seconds a connection may go without a complete request head: from accept (TLS handshake
    # included) or from the end of its last response; then it is closed (slow or idle clients)
    connection_idle_timeout: float = 60.0
    # ServiceAccount tokens (auth/serviceaccount_tokens.py): verification keys, the signing key, who signs
    service_account_key_files: tuple[str, ...] = ()
    service_account_signing_key_file: str = ""
    service_account_issuer: str = "https://kubernetes.default.svc.cluster.local"
    api_audiences: tuple[str, ...] = ()  # empty: the issuer
    encryption_provider_config: str = ""  # an EncryptionConfiguration file (storage/encryption_config.py)
    admission_control_config_file: str = ""  # an AdmissionConfiguration file (admission/pod_security/config.py)
    # the audit log (kube/apiserver/audit/): on when both the policy and the path are given
    audit_policy_file: str = ""
    audit_log_path: str = ""  # a file, or "-" for stdout
    audit_log_maxsize: int = 0  # MB before rotation (0: lumberjack's 100)
    audit_log_maxbackup: int = 0  # rotated files kept (0: all)
    audit_log_maxage: int = 0  # days a rotated file is kept (0: forever)
    audit_log_batch_buffer_size: int = 10_000  # events queued for the writer; past it they are dropped and counted
    authorization_mode: str = "Builtin"  # --authorization-mode: comma list of rbac/chain.py MODES
    authenticate: bool = True  # False only for in-process tests of the REST core
