"""`kube certs`: write the cluster PKI, client certificates and kubeconfigs for operators and playbooks.

    kube certs [--cert-dir DIR] [--hosts a,b]
    kube certs --cert-dir DIR --client system:node:n1 --groups system:nodes [--kubeconfig F --server URL]
"""

from __future__ import annotations

import argparse

from kube.apiserver.auth.kubeconfig import write_kubeconfig
from kube.apiserver.auth.pki import client_cert_paths, ensure_pki, issue_client_cert, issue_serving_cert
from kube.component.errors import UsageError


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("certs", help="create the cluster CA and certificates",
                       description="Create the CA, API server and admin certificates (only what is missing), "
                                   "or a client/serving certificate signed by that CA.")
    p.add_argument("--cert-dir", default=".cluster/pki",
                   help="directory holding ca.crt/ca.key and the certificates (default .cluster/pki, as kube up)")
    p.add_argument("--hosts", default="", help="comma-separated names/IPs the API server is reached at")
    p.add_argument("--client", metavar="NAME", help="issue a client certificate with CN=NAME")
    p.add_argument("--groups", default="", help="comma-separated groups (O=) of the client certificate")
    p.add_argument("--serving", metavar="NAME",
                   help="issue a serving certificate NAME.crt for --hosts (e.g. a node agent)")
    p.add_argument("--kubeconfig", metavar="FILE", help="also write a kubeconfig using the issued client cert")
    p.add_argument("--server", default="https://127.0.0.1:6443", help="API server URL for --kubeconfig")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.groups and not args.client:
        raise UsageError("--groups needs --client NAME")
    try:
        pki = ensure_pki(args.cert_dir, _split(args.hosts))
        if args.serving:
            cert, key = client_cert_paths(args.cert_dir, args.serving)
            issue_serving_cert(pki, _split(args.hosts), cert, key, cn=args.serving)
            print(f"serving certificate: {cert}\nserving key:         {key}")
            return 0
        if args.client:
            cert, key = client_cert_paths(args.cert_dir, args.client)
            issue_client_cert(pki, args.client, _split(args.groups), cert, key)
        else:
            cert, key = pki.admin_cert, pki.admin_key
            print(f"CA certificate:      {pki.ca_cert}\nCA key:              {pki.ca_key}\n"
                  f"serving certificate: {pki.serving_cert}\nserving key:         {pki.serving_key}")
        label = "client" if args.client else "admin"
        print(f"{label + ' certificate:':<21}{cert}\n{label + ' key:':<21}{key}")
        if args.kubeconfig:
            write_kubeconfig(args.kubeconfig, args.server, pki.ca_cert, cert_file=cert, key_file=key,
                             user=args.client or "admin")
            print(f"kubeconfig:          {args.kubeconfig}")
    except OSError as exc:
        raise UsageError(f"cannot write certificates in {args.cert_dir}: {exc.strerror or exc}") from exc
    return 0
