# A result that differs between debug and release builds: a result divergence.
import sys

emit("total", sum(range(100)))
emit("flavour", "debug" if hasattr(sys, "gettotalrefcount") else "release")
