"""Cases for tests/test_api_fuzz.py: one module per part of the package.

Each module defines ``CASES``, a list of :class:`tests.fuzz.harness.Case`: a public
function with keyword arguments for which it works. The fuzz test replaces one
argument at a time with a bad value and checks what happens.
"""
