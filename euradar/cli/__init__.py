"""``euradar``, the command line: settings are read once here and passed down."""

from euradar.cli.main import main

__all__ = ["main"]
