"""Family `unraisable`: exceptions nobody can catch, raised from the main thread and workers.

`__del__` raising (plain del and in reference cycles collected by gc.collect()), weakref
and weakref.finalize callbacks, generators and async generators closed unfinished with a
raising `finally`, gc.callbacks firing once, atexit callbacks, and class creation failing
in `__set_name__` / `__init_subclass__` chains (ordinary exceptions, caught and emitted).
Every object dies before the end and every callback fires exactly once, so the multiset
of unraisable events is the same on every run of a build.
"""

from __future__ import annotations

import random

from ..scenario import Capabilities, Scenario, Worker
from ._sizing import iterations, thread_copies

NAME = "unraisable"
DESCRIPTION = "__del__, weakref, finalize, generator, gc and atexit callbacks raising; class creation failing"

# Sources of unraisable events that a thread can trigger again and again.
OBJECT_SOURCES = ("del", "del_cycle", "weakref", "finalize", "generator", "async_generator")
# Sources registered once: gc callbacks fire once each, atexit callbacks run at exit.
SOURCES = (*OBJECT_SOURCES, "gc_callback", "atexit", "class_error")
# Sources counted in the program (atexit runs after the program, class errors are emitted).
COUNTED_SOURCES = (*OBJECT_SOURCES, "gc_callback")

EXCEPTIONS = ("ValueError", "KeyError", "RuntimeError", "LookupError", "ZeroDivisionError", "_Boom")
SHAPES = ("plain", "plain", "note", "chained")
CLASS_ERROR_KINDS = ("set_name", "init_subclass", "set_name_in_chain")


def _exception(rng: random.Random, tag: str) -> dict:
    return {
        "exc": rng.choice(EXCEPTIONS),
        "message": f"{tag} {rng.choice(['boom', 'bad', 'lost', 'late'])}",
        "shape": rng.choice(SHAPES),
    }


def event_spec(rng: random.Random, source: str, tag: str) -> dict:
    """One event kind a thread triggers `count` times per round."""
    spec = {"source": source, "count": rng.randint(1, 3), **_exception(rng, f"{source} {tag}")}
    if source == "del":
        spec["closing"] = "del"
    elif source == "del_cycle":
        spec["closing"] = "gc"
        spec["cycle"] = rng.randint(1, 3)  # objects with a raising __del__ in the cycle
    elif source in ("weakref", "finalize", "async_generator"):
        spec["closing"] = rng.choice(["del", "gc"])
    elif source == "generator":
        # `yield` in the finally: RuntimeError("generator ignored GeneratorExit"), whose
        # traceback names the frame that dropped the generator: only a plain del makes
        # that frame the same on every run (a collection runs in whichever thread).
        spec["finally"] = rng.choice(["raise", "raise", "yield"])
        spec["closing"] = "del" if spec["finally"] == "yield" else rng.choice(["del", "gc"])
        if spec["finally"] == "yield":
            spec.update(exc="RuntimeError", message="generator ignored GeneratorExit", shape="plain")
    return spec


def class_error_spec(rng: random.Random, tag: str) -> dict:
    kind = rng.choice(CLASS_ERROR_KINDS)
    spec = {
        "kind": kind,
        "depth": rng.randint(1, 3),
        "descriptors": rng.randint(1, 4),
        **_exception(rng, f"class {tag}"),
    }
    spec["position"] = rng.randrange(spec["descriptors"])  # the descriptor whose __set_name__ raises
    return spec


def build(rng: random.Random, caps: Capabilities, seed: int = 0) -> Scenario:
    sources = sorted(rng.sample(SOURCES, rng.randint(2, 5)))
    object_sources = [s for s in sources if s in OBJECT_SOURCES] or [rng.choice(OBJECT_SOURCES)]
    if object_sources[0] not in sources:
        sources = sorted(sources + object_sources)

    def events(tag: str, low: int, high: int) -> list[dict]:
        chosen = rng.sample(object_sources, rng.randint(low, min(high, len(object_sources))))
        return [event_spec(rng, source, f"{tag}.{index}") for index, source in enumerate(chosen)]

    settings: dict = {"sources": sources}
    settings["main_before"] = events("main", 1, 3)
    settings["main_after"] = events("after", 0, 2)
    settings["gc_callbacks"] = (
        [_exception(rng, f"gc_callback {k}") for k in range(rng.randint(1, 3))] if "gc_callback" in sources else []
    )
    settings["atexit_main"] = (
        [_exception(rng, f"atexit main.{k}") for k in range(rng.randint(1, 2))] if "atexit" in sources else []
    )
    settings["class_errors_main"] = (
        [class_error_spec(rng, f"main.{k}") for k in range(rng.randint(1, 2))] if "class_error" in sources else []
    )
    # atexit.register has no lock before 3.14: concurrent registrations can be lost.
    settings["atexit_lock"] = caps.free_threaded and caps.version < (3, 14)

    workers = []
    for index in range(rng.randint(1, 3)):
        name = f"unraiser_{index}"
        params = {
            "events": events(name, 1, 4),
            "collect": rng.random() < 0.6,
            "atexit": ([_exception(rng, f"atexit {name}")] if "atexit" in sources and rng.random() < 0.7 else []),
            "class_errors": ([class_error_spec(rng, name)] if "class_error" in sources and rng.random() < 0.7 else []),
        }
        workers.append(
            Worker(name, "unraisable", [], iterations(rng, caps, 3, 10), thread_copies(rng, caps, 2), params=params)
        )
    used = {e["source"] for e in settings["main_before"] + settings["main_after"]}
    used |= {e["source"] for w in workers for e in w.params["events"]}
    for source in object_sources:  # every chosen source is triggered somewhere
        if source not in used:
            settings["main_before"].append(event_spec(rng, source, f"main.{len(settings['main_before'])}"))
            used.add(source)
    notes = [
        f"sources: {', '.join(sources)}; triggered: {', '.join(sorted(used))}",
        f"{sum(w.copies for w in workers)} worker threads; "
        f"{len(settings['gc_callbacks'])} gc callbacks; gc.collect() in workers: "
        + ", ".join(w.name for w in workers if w.params["collect"]),
    ]
    return Scenario(family=NAME, seed=seed, caps=caps, workers=workers, settings=settings, notes=notes)
