"""`python -m kerastricks`: the `kerastricks` command."""

import sys

from kerastricks.cli import main

if __name__ == "__main__":
    sys.exit(main())
