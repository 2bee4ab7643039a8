# OrderedDict.pop: a key's __eq__ runs while another thread grows the dict (resize).
import collections, threading

paused, resume = threading.Event(), threading.Event()

class K:
    def __init__(self, name, h):
        self.name, self.h = name, h
    def __hash__(self):
        return self.h
    def __eq__(self, other):
        if self.name == "a" and not paused.is_set():
            paused.set()
            resume.wait()
        return self is other

od = collections.OrderedDict([(K("a", 1), 1)])
t = threading.Thread(target=lambda: print(od.pop(K("b", 1), "absent")))
t.start()
paused.wait()
od.update((K(str(i), 100 + i), i) for i in range(20))   # resizes the fast-node table
resume.set()
t.join()
print("survived", len(od))
