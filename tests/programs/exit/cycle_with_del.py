# Cyclic garbage whose __del__ raises, collected only at exit; __del__ still sees globals.
class Node:
    def __del__(self):
        raise RuntimeError("del in cycle %s" % helper())


def helper():
    return "ok"


a = Node()
b = Node()
a.other, b.other = b, a
del a, b
print("end", end="")
