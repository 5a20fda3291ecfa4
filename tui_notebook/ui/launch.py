"""Entry point from the command line into the terminal UI."""

from __future__ import annotations

import argparse
import sys


def launch(args: argparse.Namespace) -> int:
    print("tuinb: the terminal UI is not built yet; use `tuinb run`, `tuinb resolve`, `tuinb fmt`.",
          file=sys.stderr)
    return 2
