"""Errors the CLI prints as one line."""

from kube.cli.main import CliError

__all__ = ["CliError"]
