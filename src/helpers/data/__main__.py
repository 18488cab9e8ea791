"""``python -m helpers.data --seed 42 --out data``: write the datasets as CSV files."""

import sys

from helpers.data import main

sys.exit(main())
