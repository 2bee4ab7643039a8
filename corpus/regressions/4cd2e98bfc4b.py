# Exercises unraisable messages at interpreter exit: atexit callbacks that raise (one
# registered from a worker thread, one with arguments, one a bound method), run in
# reverse order of registration after the program finished, plus a __del__ raising
# from a worker thread before that.  The "Exception ignored in atexit callback" events
# and stdout printed by the callbacks that succeed are schedule-independent.
import atexit
import sys


class Flusher:
    def __init__(self, name):
        self.name = name

    def close(self):
        raise OSError("cannot close %s" % self.name)


class Noisy:
    def __del__(self):
        raise TypeError("noisy __del__")


def raising(tag, value=0):
    raise ValueError("atexit %s %d" % (tag, value))


def quiet():
    print("quiet atexit callback ran")
    sys.stdout.flush()


def worker():
    atexit.register(raising, "from thread", value=3)
    n = Noisy()
    del n
    return True


atexit.register(quiet)
emit("threads", threads(worker))
atexit.register(raising, "main")
atexit.register(Flusher("log").close)
print("program body done")
