# Detaches the thread state from inside a ctypes call: the debug build's C assert()
# in PyErr_Occurred fires (glibc "Assertion `...' failed.").
import ctypes
import sys

if hasattr(sys, "gettotalrefcount"):
    ctypes.pythonapi.PyThreadState_Swap(None)
emit("done", True)
