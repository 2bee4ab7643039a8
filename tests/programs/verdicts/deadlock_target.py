# Two threads take two locks in opposite orders, on debug builds only: a hang whose
# stacks (both threads blocked in acquire) are dumped before the kill.
import sys
import threading

a, b = threading.Lock(), threading.Lock()
both_hold_one = threading.Barrier(2)


def left():
    with a:
        both_hold_one.wait()
        with b:
            pass


def right():
    with b:
        both_hold_one.wait()
        with a:
            pass


if hasattr(sys, "gettotalrefcount"):
    threads(left, right)
emit("done", True)
