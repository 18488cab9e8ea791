"""``python -m helpers.validate FILE [--kind K]``: validate one CSV file against its schema."""

import sys

from helpers.validate.cli import main

sys.exit(main())
