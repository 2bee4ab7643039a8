# Exercises __bases__ assignment racing with attribute and method lookup through the MRO
# (not obj.__dict__: that case is a separate known bug): one thread flips Child.__bases__
# between (Left,) and (Right,) while three threads read a class attribute, call a
# method and super() through Child instances and check issubclass.  Every lookup must
# give the answer of one of the two bases; the final MRO is emitted.
FLIPS = 80
READS = 3000


class Root:
    def where(self):
        return "root"


class Left(Root):
    side = "left"

    def where(self):
        return "left"


class Right(Root):
    side = "right"

    def where(self):
        return "right"


class Child(Left):
    def where(self):
        return "child>" + super().where()


objs = [Child() for _ in range(4)]
done = []


def flipper():
    for k in range(FLIPS):
        Child.__bases__ = (Right,) if k % 2 == 0 else (Left,)
    Child.__bases__ = (Left,)
    done.append(True)
    return FLIPS


def reader(k):
    def run():
        count = 0
        while not done or count < 100:
            obj = objs[count % 4]
            check(obj.side in ("left", "right"), "class attribute from a base", obj.side)
            w = obj.where()
            check(w in ("child>left", "child>right"), "method and super() from a base", w)
            check(issubclass(Child, Root), "always a Root subclass")
            count += 1
            if count > READS * 10:
                break
        return True
    return run


results = threads(flipper, *[reader(k) for k in range(3)])
emit("results", results)
emit("final mro", [c.__name__ for c in Child.__mro__])
emit("final lookups", (objs[0].side, objs[0].where()))
