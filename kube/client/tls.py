"""TLS contexts from a ClientConfig's in-memory PEM data.

`ssl` loads client certificates only from files, so the PEM goes to a private
temporary file for the duration of the load and is removed at once.
"""

from __future__ import annotations

import os
import ssl
import tempfile

from kube.client.errors import ConfigError
from kube.client.kubeconfig import ClientConfig


def client_context(config: ClientConfig) -> ssl.SSLContext | bool:
    """An SSLContext for https servers; False (no verification) only when the kubeconfig says insecure."""
    if config.insecure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        try:
            if config.ca_data:
                ctx = ssl.create_default_context(cadata=config.ca_data.decode("ascii", "replace"))
            else:
                ctx = ssl.create_default_context()
        except (ssl.SSLError, ValueError) as exc:
            raise ConfigError(f"the certificate authority data is not a valid PEM certificate: {exc}") from None
    if config.cert_data and config.key_data:
        _load_client_pair(ctx, config.cert_data, config.key_data)
    return ctx


def _load_client_pair(ctx: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="kube-client-") as tmp:
        os.chmod(tmp, 0o700)
        cert_path = os.path.join(tmp, "client.crt")
        key_path = os.path.join(tmp, "client.key")
        for path, data in ((cert_path, cert), (key_path, key)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        try:
            ctx.load_cert_chain(cert_path, key_path)
        except (ssl.SSLError, ValueError) as exc:
            raise ConfigError(f"the client certificate or key is not valid PEM: {exc}") from None
