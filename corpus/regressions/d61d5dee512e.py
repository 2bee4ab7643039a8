# Exercises class attribute assignment racing with cached lookups (type version tags,
# LOAD_ATTR_CLASS / LOAD_ATTR_METHOD_* / LOAD_ATTR with a class-level default where the
# specializer runs): one thread rebinds a class constant, a method and a class-level
# default shadowed by some instances, while three threads read them through instances
# and the class.  Every read must return a value that was assigned (never an old freed
# object), instance attributes must always win over the class default, and the final
# state is emitted.
ROUNDS = 4000


class Config:
    LIMIT = 0
    default = "class-0"

    def method(self):
        return "m0"


def make_method(k):
    def method(self):
        return "m%d" % k
    return method


METHODS = [make_method(k) for k in range(4)]


def writer():
    for i in range(8000):
        k = i % 4
        Config.LIMIT = k
        Config.default = "class-%d" % k
        Config.method = METHODS[k]
    Config.LIMIT, Config.default, Config.method = 0, "class-0", METHODS[0]
    return True


def reader(r):
    def run():
        shadowed = Config()
        shadowed.default = "instance"
        plain = Config()
        for i in range(ROUNDS):
            check(Config.LIMIT in (0, 1, 2, 3), "class constant is an assigned value", Config.LIMIT)
            check(plain.LIMIT in (0, 1, 2, 3), "constant through an instance", plain.LIMIT)
            check(shadowed.default == "instance", "instance attribute wins over the class", shadowed.default)
            d = plain.default
            check(d in ("class-0", "class-1", "class-2", "class-3"), "class default is an assigned value", d)
            m = plain.method()
            check(m in ("m0", "m1", "m2", "m3"), "method is an assigned one", m)
        return ROUNDS
    return run


results = threads(writer, *[reader(r) for r in range(3)])
emit("results", results)
emit("final", (Config.LIMIT, Config().default, Config().method()))
