# Known bug (3.13t), found by a 30-minute ft-tsan campaign (interleave family): `x in ba`
# while another thread deletes a slice of the bytearray.  bytearray_contains
# (Objects/bytearrayobject.c) takes a buffer export of `ba` (ob_exports++) without the
# object's lock while the deletion checks ob_exports in _canresize and resizes: the export
# count and the buffer race.  ThreadSanitizer: race _canresize@bytearrayobject.c ~
# bytearray_contains@bytearrayobject.c (and `PyByteArray_Resize ~ bytearray_contains`).
ba = bytearray(b"abc" * 100)

def contains():
    for _ in range(2000):
        b"zz" in ba

def delete():
    for _ in range(2000):
        try:
            del ba[:1]
            ba.extend(b"a")
        except BufferError:
            pass

threads(contains, delete)
emit("done", True)  # (len(ba) depends on which deletions met a live export)
