# Exercises ABC isinstance/issubclass caches while another thread registers virtual
# subclasses midway; readers only observe results in {True, False}.  The final answers are
# emitted after _abc_caches_clear(): on 3.13t a racing reader can leave a stale negative-
# cache entry behind (observed only), while the registry itself is schedule-independent.
import abc

READERS = 3
READS = 3000


class Protocol(abc.ABC):
    pass


class Real(Protocol):
    pass


candidates = [type("Virtual%d" % i, (), {}) for i in range(20)]
instances = [c() for c in candidates]


def registrar():
    for i, klass in enumerate(candidates):
        Protocol.register(klass)
        for _ in range(50):
            isinstance(instances[i], Protocol)
    return len(candidates)


def reader(k):
    def run():
        for i in range(READS):
            index = (i * 7 + k) % len(candidates)
            observe("virtual isinstance", isinstance(instances[index], Protocol), (True, False))
            observe("virtual issubclass", issubclass(candidates[index], Protocol), (True, False))
            check(isinstance(Real(), Protocol), "real subclass always matches", None)
            check(not isinstance(1, Protocol), "int never matches", None)
        return READS
    return run


results = threads(registrar, *[reader(k) for k in range(READERS)])
emit("counts", results)
observe("final isinstance before cache clear", all(isinstance(o, Protocol) for o in instances))
Protocol._abc_caches_clear()
emit("final isinstance", [isinstance(o, Protocol) for o in instances])
emit("final issubclass", all(issubclass(c, Protocol) for c in candidates))
