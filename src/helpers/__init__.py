"""metrics-workbook helpers: the engine behind the notebooks.

One module per concern:

- :mod:`helpers.data`      sample-data generators and validated loading
- :mod:`helpers.validate`  schemas and the validator CLI
- :mod:`helpers.metrics`   metric formulas with their sources
- :mod:`helpers.simulate`  simulations used by the lessons
- :mod:`helpers.charts`    one chart theme and an offline-safe renderer
- :mod:`helpers.exercises` self-check exercises (check / hint / solution)
- :mod:`helpers.batch`     the instructor batch runner
"""

__version__ = "0.1.0"

import sys as _sys

# Start-up cost: jsonschema (imported by Altair) loads the optional IRI checker
# `rfc3987_syntax` when it is installed (Jupyter's own dependencies install it),
# and that module compiles a grammar on import: about a second for every
# kernel, every batch run and every test process. Vega-Lite specs never use the
# "iri" format it checks, so the workbook's processes skip it. Only an import
# that has not happened yet is affected; anything that imported it keeps it.
_sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
