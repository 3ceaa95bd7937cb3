"""A Python port of DfE's eesyscreener, for the tests: see ``screener``."""
