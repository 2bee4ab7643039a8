# A __del__ whose exception message differs between builds: an unraisable divergence.
import sys


class Resource:
    def __del__(self):
        raise ValueError("debug" if hasattr(sys, "gettotalrefcount") else "release")


r = Resource()
del r
emit("done", True)
