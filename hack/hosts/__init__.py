"""The test hosts: Debian systemd hosts as Docker containers, reached over SSH.

Dev and test infrastructure (not product code): `hack/hosts/hosts.py` is the
command, tests/hosts/ the pytest fixture built on the same modules.
"""
