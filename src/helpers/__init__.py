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
