# Exercises class attribute writes racing with reads through the class, through instances
# and through a subclass (type attribute cache / specialization invalidation).  Readers
# observe values only with an allowed set; emitted numbers are fixed loop counts.

READERS = 3
READS = 6000
WRITES = 6000


class Config:
    mode = "a"
    level = 1


class Sub(Config):
    pass


inst = Config()
sub_inst = Sub()


def writer():
    for i in range(WRITES):
        if i % 2:
            Config.mode = "a"
            Config.level = 1
        else:
            Config.mode = "b"
            Config.level = 2
    Config.mode = "a"
    Config.level = 1
    return WRITES


def reader(k):
    def run():
        seen = set()
        for i in range(READS):
            which = (i + k) % 3
            if which == 0:
                value = Config.mode
            elif which == 1:
                value = inst.mode
            else:
                value = sub_inst.mode
            level = Sub.level
            check(value in ("a", "b"), "mode is a written value", value)
            check(level in (1, 2), "level is a written value", level)
            seen.add(value)
        observe("reader values", tuple(sorted(seen)), {("a",), ("b",), ("a", "b")})
        return READS
    return run


results = threads(writer, *[reader(k) for k in range(READERS)])
emit("counts", results)
emit("final", (Config.mode, Config.level, inst.mode, sub_inst.level))
