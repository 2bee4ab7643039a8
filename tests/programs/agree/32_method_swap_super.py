# Exercises method calls (direct, bound-method objects and super() from a subclass) while
# another thread swaps the base-class method between two implementations and toggles an
# unrelated class attribute.  Callers observe only versions from an allowed set.

CALLERS = 3
CALLS = 5000
SWAPS = 6000


def speak_v1(self):
    return "v1"


def speak_v2(self):
    return "v2"


class Base:
    speak = speak_v1


class Child(Base):
    def speak(self):
        return "child+" + super().speak()


base, child = Base(), Child()


def swapper():
    for i in range(SWAPS):
        Base.speak = speak_v2 if i % 2 == 0 else speak_v1
        if i % 3 == 0:
            Base.unrelated = i
        elif i % 3 == 1 and hasattr(Base, "unrelated"):
            try:
                del Base.unrelated
            except AttributeError:
                pass
    Base.speak = speak_v1
    return SWAPS


def caller(k):
    def run():
        for i in range(CALLS):
            op = (i + k) % 3
            if op == 0:
                observe("base call", base.speak(), ("v1", "v2"))
            elif op == 1:
                observe("child call", child.speak(), ("child+v1", "child+v2"))
            else:
                bound = base.speak
                observe("bound call", bound(), ("v1", "v2"))
        return CALLS
    return run


results = threads(swapper, *[caller(k) for k in range(CALLERS)])
emit("counts", results)
emit("final", (base.speak(), child.speak(), hasattr(Base, "speak")))
