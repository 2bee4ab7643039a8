# OrderedDict.__delitem__: a key's __eq__ runs while another thread clears the dict.
import collections, threading

paused, resume = threading.Event(), threading.Event()

class K:
    def __init__(self, name, h):
        self.name, self.h = name, h
    def __hash__(self):
        return self.h
    def __eq__(self, other):
        if self.name == "a" and not paused.is_set():
            paused.set()          # t is inside move_to_end, in this __eq__
            resume.wait()
        return self is other

od = collections.OrderedDict([(K("a", 2), 1)])
t = threading.Thread(target=lambda: print(od.__delitem__(K("b", 2))))
t.start()
paused.wait()
od.clear()                        # while move_to_end is paused
resume.set()
t.join()
print("survived", od)
