# An atexit callback that raises: an unraisable event after the program's end.
import atexit


def boom():
    raise ValueError("from atexit")


atexit.register(boom)
print("main done")
