# Dereferences NULL through ctypes on debug builds only: a crash (SIGSEGV) on the target.
import ctypes
import sys

emit("before", "started")
if hasattr(sys, "gettotalrefcount"):
    ctypes.string_at(0)
emit("after", "survived")
