"""The API server fixtures of tests/apiserver, for the fuzzer."""

from tests.apiserver.conftest import pki_dir

__all__ = ["pki_dir"]
