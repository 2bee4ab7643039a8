# Raises only on debug builds, inside a worker thread: an exception divergence.
import sys


def worker():
    if hasattr(sys, "gettotalrefcount"):
        raise LookupError("only on the target")
    return 1


threads(worker)
emit("done", True)
