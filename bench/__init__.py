"""Performance benchmark for issue 8 (not part of the test suite). Run ``python -m bench.run``."""
