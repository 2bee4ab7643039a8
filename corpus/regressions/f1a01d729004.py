# Known bug (3.13t), found by a 20-minute alloc_sweep campaign on ft-debug (tandem fuzz
# --families alloc_sweep --seed 15): free-threaded PyList_New (Objects/listobject.c)
# takes a list from the freelist and, when its item array cannot be allocated
# (list_allocate_array), frees it with Py_DECREF while ob_item and the size still describe
# the array of the list freed before: list_dealloc decrefs stale items and frees that
# array again.  SIGSEGV in list_dealloc on ft-debug (crash|both|SIGSEGV|
# list_dealloc@listobject.c|PyList_New@listobject.c), a hang or crash on ft; any `[x, y]`
# (BUILD_LIST) or PyList_New caller under _testcapi.set_nomemory.  The GIL build sets
# ob_item before checking it and is not affected.
import _testcapi

item = object()
for n in range(0, 30):
    stale = [item, item, item]
    del stale                      # to the list freelist, ob_item and size left set
    _testcapi.set_nomemory(n, n + 1)
    try:
        fresh = [item, item, item]
    except MemoryError:
        pass
    finally:
        _testcapi.remove_mem_hooks()
emit("done", True)
