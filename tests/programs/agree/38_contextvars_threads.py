# Exercises contextvars from threads: each thread starts in a fresh context (var has its
# default), sets and resets its own value, and runs code in copied contexts.  Values never
# leak between threads or into the main thread, so all results are per-thread constants.
import contextvars

THREADS = 5
ROUNDS = 1500
var = contextvars.ContextVar("var", default="default")
depth = contextvars.ContextVar("depth")
var.set("main")


def inner(k):
    var.set("inner-%d" % k)
    return var.get()


def worker(k):
    def run():
        start = var.get()
        check(start in ("default", "main"), "thread starts from default or inherited", start)
        token = var.set("thread-%d" % k)
        total = 0
        for i in range(ROUNDS):
            depth.set(i)
            ctx = contextvars.copy_context()
            result = ctx.run(inner, k)
            check(result == "inner-%d" % k, "copied context sees its own set", result)
            check(var.get() == "thread-%d" % k, "own value survives ctx.run", var.get())
            check(ctx[depth] == i, "copy sees depth", None)
            total += depth.get()
        var.reset(token)
        check(var.get() == start, "reset restores", var.get())
        return total
    return run


results = threads(*[worker(k) for k in range(THREADS)])
emit("results", results)
emit("main value", var.get())
emit("main depth", depth.get("unset"))
