"""The ``socialdash`` command line: serve, cluster (headless pipeline), worker."""

import sys


def main(argv: list[str] | None = None) -> int:
    print("socialdash: not implemented yet", file=sys.stderr)
    return 2
