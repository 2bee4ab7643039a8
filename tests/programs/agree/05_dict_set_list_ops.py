# Exercises dict/set/list operations: insertion order, |= merges, views, set algebra,
# stable sorts with keys, slicing assignment, comprehensions and Counter/OrderedDict.
# Single-threaded; sets are emitted sorted, so no hash-order dependence leaks out.
import collections

d = {}
for i in range(50):
    d["k%02d" % (i * 7 % 50)] = i
emit("dict_first", list(d.items())[:5])
d2 = d | {"k00": -1, "new": 99}
emit("dict_merge", (len(d2), d2["k00"], list(d2)[-1]))
for key in [k for k in d if int(k[1:]) % 3 == 0]:
    del d[key]
emit("dict_after_del", (len(d), sum(d.values())))
d.update(zip(["a", "b", "c"], range(3)))
emit("dict_popitem", d.popitem())
emit("dict_setdefault", (d.setdefault("zz", []), d.setdefault("a", 42)))
emit("keys_view_ops", sorted(d.keys() & {"a", "b", "nope"}))
emit("fromkeys", dict.fromkeys("abc", 0))
emit("dict_eq", {1: 2, 3: 4} == {3: 4, 1: 2})

s = set(range(0, 40, 2))
t = set(range(0, 40, 3))
emit("set_ops", (sorted(s & t), sorted(s ^ t)[:6], len(s | t), sorted(s - t)[:4]))
emit("set_rel", (s.isdisjoint({1, 3}), {0, 6} <= s, frozenset({1, 2}) == {2, 1}))
s.difference_update(range(10))
s.symmetric_difference_update({100, 12})
emit("set_mut", sorted(s))
emit("frozen_hash_eq", hash(frozenset([1, 2, 3])) == hash(frozenset([3, 2, 1])))

words = ["pear", "Apple", "fig", "banana", "kiwi", "apple", "Fig"]
emit("sort_key", sorted(words, key=str.lower))
emit("sort_stable", sorted(words, key=len))
emit("sort_rev", sorted(words, key=len, reverse=True))
lst = list(range(20))
lst[2:8] = ["x"] * 3
del lst[::4]
lst[1:3] = []
emit("slices", lst)
lst.insert(0, "head")
lst.extend(reversed(lst[-3:]))
emit("list_misc", (lst[:3], lst[-3:], lst.index("head"), lst.count("x")))
emit("list_mul", ([0] * 3 + [1] * 2, [[0]] * 2))
nested = [[i * j for j in range(4)] for i in range(4)]
emit("transpose", [list(col) for col in zip(*nested)])
emit("comprehensions", ({i: i * i for i in range(5)}, sorted({i % 4 for i in range(20)})))

counter = collections.Counter("mississippi")
emit("counter", sorted(counter.items()))
emit("most_common", counter.most_common(2))
od = collections.OrderedDict.fromkeys("abcde")
od.move_to_end("b")
od.move_to_end("e", last=False)
emit("ordered", list(od))
dd = collections.defaultdict(list)
for i, w in enumerate(words):
    dd[len(w)].append(i)
emit("defaultdict", sorted(dd.items()))
cm = collections.ChainMap({"a": 1}, {"a": 2, "b": 3})
emit("chainmap", (cm["a"], cm["b"], sorted(cm)))
print("lengths", len(d), len(lst), len(counter))
