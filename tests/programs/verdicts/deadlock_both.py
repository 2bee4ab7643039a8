# A plain two-lock deadlock (no harness function), on every build: both sides hang,
# and their stacks show every thread waiting, so neither waits for its deadline.
import threading
import time

a, b = threading.Lock(), threading.Lock()


def left():
    with a:
        time.sleep(0.2)
        with b:
            pass


def right():
    with b:
        time.sleep(0.2)
        with a:
            pass


first, second = threading.Thread(target=left), threading.Thread(target=right)
first.start()
second.start()
first.join()
second.join()
