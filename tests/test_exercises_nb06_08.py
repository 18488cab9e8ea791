"""The self-checks of notebooks 06-08 moved next to their notebooks: notebook 06 in
tests/test_exercises_nb06.py, notebooks 07 and 08 in tests/test_exercises_nb07_08.py."""
