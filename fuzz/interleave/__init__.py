"""Family `interleave`: scheduled interleavings.  An operation of the builtin API surface
is paused inside one of its callbacks (a key's `__eq__`, an iterator's `__next__`, an
`__init__`, a hook, a finalizer) while other threads run operations on the same object,
destructive ones included, then resumed; every result is emitted and compared exactly.

plan.py is the IR, catalog.py the operations (surface.py reads them off the target),
build.py the generator, render.py and runtime.py the program, shrink.py the family's
mutations and shrink passes, api.py what fuzz/family.py registers.
"""
