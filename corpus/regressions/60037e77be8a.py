# Known bug (3.13t): ABC.register racing isinstance.  One thread registers virtual
# subclasses of an ABC one by one; an "asker" thread keeps asking isinstance about the
# class being registered right now and a "bystander" thread asks about a class that is
# never registered.  Once register(X) has returned, isinstance(X(), P) must be True.
# On 3.13 free-threaded builds the asker can compute "False" from a registry snapshot
# taken before register(X), the bystander then sees the bumped invalidation counter and
# clears the negative cache, and only then does the asker add X to the negative cache
# (Modules/_abc.c: _abc__abc_subclasscheck_impl reads abc_invalidation_counter at the
# start and adds to _abc_negative_cache at the end without re-checking it), so
# isinstance(X(), P) stays False after P.register(X) returned.  1000 registered decoys
# make the registry scan (pure C, so atomic under the GIL) long enough to race.
import abc
import sys
import time

CLASSES = 40
DECOYS = 1000
WAIT = 5000
sys.setswitchinterval(0.0002)  # GIL builds: let the waiting registrar back in quickly


class Protocol(abc.ABC):
    pass


class Other(abc.ABC):
    pass


class Unrelated:
    pass


decoys = [type("Decoy%d" % i, (), {}) for i in range(DECOYS)]
for decoy in decoys:
    Protocol.register(decoy)
candidates = [type("Virtual%d" % i, (), {}) for i in range(CLASSES)]
bumpers = [type("Bump%d" % i, (), {}) for i in range(CLASSES)]
instances = [c() for c in candidates]
unrelated = Unrelated()
current = [0]
asked = [0]
finished = []


def wait_for_asker(count):
    for _ in range(WAIT):
        if asked[0] >= count:
            return
        time.sleep(0)


def registrar():
    for i, klass in enumerate(candidates):
        current[0] = i
        start = asked[0]
        wait_for_asker(start + 2)    # the asker has "False" for klass in the negative cache
        Other.register(bumpers[i])   # invalidates: the asker's next check is a full scan
        for _ in range(20):
            pass
        Protocol.register(klass)
        start = asked[0]
        wait_for_asker(start + 2)    # the asker finishes what it started before the register
        check(isinstance(instances[i], Protocol), "isinstance True after register() returned", klass.__name__)
        check(issubclass(klass, Protocol), "issubclass True after register() returned", klass.__name__)
    finished.append(True)
    return CLASSES


def asker():
    while not finished:
        observe("isinstance while registering", isinstance(instances[current[0]], Protocol), (True, False))
        asked[0] += 1
    return True


def bystander():
    while not finished:
        check(not isinstance(unrelated, Protocol), "unrelated class never matches")
    return True


results = threads(registrar, asker, bystander)
emit("results", results)
stale = [type(o).__name__ for o in instances if not isinstance(o, Protocol)]
check(not stale, "isinstance True for every registered class after the join", stale)
Protocol._abc_caches_clear()
emit("after cache clear", all(isinstance(o, Protocol) for o in instances))
