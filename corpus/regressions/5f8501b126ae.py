# Exercises dict operations that must be atomic on one key under free threading:
# setdefault(k, []).append(x) from four threads on shared keys (every append must land
# in the one list stored for the key), pop(k, None) by all threads on the same
# pre-filled keys (exactly one popper wins each key), and dict.update with disjoint keys
# while the table resizes.  Totals are exact.
THREADS = 4
PER = 3000
groups = {}
tokens = {i: i for i in range(PER)}
table = {}


def worker(t):
    def run():
        won = 0
        for i in range(PER):
            groups.setdefault(i % 50, []).append((t, i))
            if tokens.pop((i * 7 + t * 13) % PER, None) is not None:
                won += 1
            if i % 100 == 0:
                table.update({(t, i, j): j for j in range(20)})
        return won
    return run


won = threads(*[worker(t) for t in range(THREADS)])
total_items = sum(len(v) for v in groups.values())
check(total_items == THREADS * PER, "no setdefault append lost", total_items)
emit("groups", (len(groups), total_items, sorted(len(v) for v in groups.values())[:3]))
check(sum(won) == PER and not tokens, "each key popped by exactly one thread", (sum(won), len(tokens)))
emit("popped", (sum(won), len(tokens)))
emit("table", (len(table), sum(table.values())))
emit("group contents exact", all(sorted(v) == sorted((t, i) for t in range(THREADS) for i in range(k, PER, 50))
                                 for k, v in groups.items()))
