# Exercises stdlib modules used concurrently on shared immutable inputs: re, json,
# hashlib, sorting with keys, str methods and int formatting.  Every thread computes the
# same pure function of the same input, so all results must be identical and are emitted.
import hashlib
import json
import re

THREADS = 4
text = " ".join("word%d-%s" % (i, "xyz"[i % 3]) for i in range(400))
pattern = re.compile(r"word(\d+)-([xz])")
document = {"items": [{"id": i, "name": "n%d" % i, "tags": ["t%d" % (i % 5)]} for i in range(150)]}


def compute():
    results = []
    for round_ in range(6):
        matches = [(int(a), b) for a, b in pattern.findall(text)]
        results.append((len(matches), sum(a for a, _ in matches)))
        encoded = json.dumps(document, sort_keys=True)
        decoded = json.loads(encoded)
        results.append((len(encoded), len(decoded["items"])))
        results.append(hashlib.sha256(encoded.encode()).hexdigest()[:16])
        words = sorted(text.split(), key=lambda w: (len(w), w[::-1]))
        results.append((words[0], words[-1]))
        results.append(re.sub(r"\d+", lambda m: str(int(m.group()) * 2), "a1 b22 c333"))
        results.append(format(2 ** 100 + round_, "_x"))
    return results


results = threads(*[compute for _ in range(THREADS)])
check(all(r == results[0] for r in results), "all threads agree", None)
emit("result", results[0][:6])
emit("digest", hashlib.md5(repr(results[0]).encode()).hexdigest())
emit("lengths", [len(r) for r in results])
