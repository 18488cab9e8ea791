"""Benchmarks of the workbook: ``python benchmarks/run.py`` (or ``make bench``).

Modules: :mod:`benchmarks.common` (timing, targets, machine facts),
:mod:`benchmarks.callbacks` (the widget-callback registry),
:mod:`benchmarks.scaling` (metrics and generators at 10k/100k/1M rows),
:mod:`benchmarks.notebooks` (headless runs, kernel floor, batch, sizes, nbval),
:mod:`benchmarks.report` (the Markdown report) and :mod:`benchmarks.run` (the CLI).
"""
