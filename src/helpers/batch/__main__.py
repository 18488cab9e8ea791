"""``python -m helpers.batch``: the command line (see :mod:`helpers.batch.cli`)."""

import sys

from helpers.batch.cli import main

if __name__ == "__main__":
    sys.exit(main())
