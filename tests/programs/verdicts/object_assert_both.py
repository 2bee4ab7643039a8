# PyObject_GC_Track on an object the GC already tracks: CPython's own object assertion
# (_PyObject_ASSERT_FAILED_MSG), present in every build.
import ctypes

ctypes.pythonapi.PyObject_GC_Track(ctypes.py_object([]))
emit("done", True)
