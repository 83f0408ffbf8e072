"""Waiting for the local API server to answer /readyz."""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request


def wait_ready(url: str, ca_file: str, timeout: float = 60.0, alive=lambda: True) -> bool:
    ctx = ssl.create_default_context(cafile=ca_file)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return False
        try:
            with urllib.request.urlopen(f"{url}/readyz", context=ctx, timeout=2) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError, ssl.SSLError):
            pass
        time.sleep(0.2)
    return False
