# Exercises list comprehensions (inlined since 3.12), nested comprehensions and
# list(map(...)) run by three threads over a shared source list that a fourth thread is
# appending to.  A comprehension over a growing list sees a prefix of it (iteration by
# index), so each result must be a transformed prefix of the final list; a comprehension
# over a per-thread copy must be exact.  Final totals are exact.
import operator

source = list(range(1000))
GROW = 20000
done = []


def grower():
    for i in range(1000, 1000 + GROW):
        source.append(i)
    done.append(True)
    return len(source)


def transformer(k):
    def run():
        rounds = 0
        while not done or rounds < 3:
            squares = [x * x for x in source if x % 3 != k]
            expected_prefix = [x * x for x in range(len(source)) if x % 3 != k]
            check(squares == expected_prefix[:len(squares)], "comprehension result is a prefix", len(squares))
            pairs = [(x, y) for x in source[:40] for y in (x, x + 1) if y % 2 == 0]
            check(pairs == [(x, x + x % 2) for x in range(40)], "nested comprehension over a slice exact", pairs)
            mapped = list(map(operator.neg, source[-50:]))
            check(all(b - a == -1 for a, b in zip(mapped, mapped[1:])), "map over a tail slice is contiguous",
                  mapped)
            copy = list(source)
            check(copy == list(range(len(copy))), "copy holds 0..n-1", len(copy))
            rounds += 1
        return rounds > 0
    return run


results = threads(grower, *[transformer(k) for k in range(3)])
emit("results", results)
emit("final", (len(source), sum(source), source == list(range(1000 + GROW))))
emit("comprehension", sum([x for x in source if x % 7 == 0]))
