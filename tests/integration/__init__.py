"""Integration tests: the command-line tools as real processes or through their main, trained runs (the session
fixtures in tests/conftest.py), worker pools, a Ray cluster, several processes, the notebook, faults, hostile input."""
