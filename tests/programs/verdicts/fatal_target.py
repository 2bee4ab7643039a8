# Py_FatalError through _testcapi on debug builds only: a fatal error on the target.
import sys

import _testcapi

if hasattr(sys, "gettotalrefcount"):
    _testcapi.fatal_error(b"tandem test fatal error")
emit("done", True)
