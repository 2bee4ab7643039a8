# A global of __main__ whose __del__ raises when __main__ is torn down.
import sys


class Holder:
    def __del__(self):
        print("holder del sees", helper, file=sys.stderr)
        raise KeyError("global del")


def helper():
    pass


keep = Holder()
