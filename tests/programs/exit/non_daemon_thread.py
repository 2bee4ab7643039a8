# The interpreter waits for a non-daemon thread still running when the program ends.
import threading
import time


def late():
    time.sleep(0.2)
    print("late thread done", flush=True)


threading.Thread(target=late).start()
