"""Minimization: the smallest program that still reproduces the same signature.

The minimizer is a predicate plus passes kept in lists (shrinkray's shape):
  - `Reproduces` is the predicate: a candidate is kept only if it shows the original
    signature at no less than `fraction` of the original reproduction rate, over a
    number of tries that adapts to that rate (rare races need more tries).
  - SCENARIO_PASSES shrink the scenario IR first (drop threads, workers, mutators,
    mutations, unused __init__ versions, hostile objects; halve iterations, rounds,
    copies): each candidate is re-rendered, so it still checks itself soundly.
  - Then, on the program text, in turn until none makes progress: deletion of UNUSED
    definitions and no-ops (all at once, then one at a time); STATEMENT deletion (an AST
    pass: statements removed in chunks from the end, then one by one; module-level
    statements first, then every body; empty bodies become `pass`); and TEXT_PASSES:
    drop a thread from `threads(...)`, inline a function into its caller, hoist
    statements out of functions, loops, `with` blocks and threads' targets, replace
    expressions by constants.
  - A candidate whose run stops on an error deletion makes (NameError, a missing
    import: `broken`) is rejected at that run.
Passes run in a fixed order until none makes progress, and candidates are tried in a
fixed order, so the result is deterministic for a deterministic predicate.
"""

from __future__ import annotations

import ast
import builtins
import collections
import copy
import dataclasses
import math
import symtable
import time
from collections.abc import Callable, Iterator

from tandem.oracle.model import Case, Kind, Limits, Verdict, declared_env
from tandem.oracle.reproduce import Pair, Reproduction, bar_unreachable, reproduce


@dataclasses.dataclass
class Reproduces:
    """The predicate: does `source` still show the `expected` signature often enough?"""

    pair: Pair
    expected: str
    rate: float  # the original reproduction rate (0..1]
    fraction: float = 0.5
    limits: Limits = Limits(deadline=60.0)
    max_tries: int = 12
    calls: int = 0
    jobs: int = 1  # runs in flight at once (fresh processes)
    # globals the original reads without defining (the harness's emit/check/threads...):
    # a candidate reading any other undefined name is refused unrun (see `undefined`)
    free_names: frozenset[str] | None = None

    @property
    def tries(self) -> int:
        """Enough runs to expect ~3 reproductions at the original rate (bounded)."""
        return max(2, min(self.max_tries, math.ceil(3 / max(self.rate, 1e-3))))

    def measure(self, source: str, tries: int | None = None, early: bool = True) -> float:
        """The rate over `tries` runs.  With `early`, the runs stop as soon as the bar can
        no longer be reached (the rate is then a lower bound, good only for a yes/no);
        without it, every run is made and the rate is a measurement."""
        tries = tries or self.tries
        unreachable = bar_unreachable(self.rate * self.fraction, tries)
        hang_expected = self.expected.startswith(Kind.HANG.value + "|")

        def stop(hits: int, runs: int, last: Verdict) -> bool:
            # a candidate that hangs when the finding is not a hang is rejected at once:
            # each more run would cost its whole deadline
            return (early and unreachable(hits, runs, last)) or (last.kind is Kind.HANG and not hang_expected)

        found = reproduce(
            Case(source), self.pair, tries, expected=self.expected, limits=self.limits, stop_when=stop, jobs=self.jobs
        )
        self.calls += found.runs
        return found.hits / tries

    @property
    def needed(self) -> int:
        """Reproductions out of `tries` that meet the bar (at least one)."""
        return max(1, math.ceil(self.rate * self.fraction * self.tries - 1e-9))

    def __call__(self, source: str) -> bool:
        """Kept when `needed` of `tries` runs show the signature.  The runs stop as soon
        as the answer is known either way: a candidate that reproduces at once costs
        one run, which is what makes rare races minimizable at all."""
        return self.admissible(source) and self.reproduces(source)

    def admissible(self, source: str) -> bool:
        """Worth a run: it compiles and reads no name the deletions left undefined (it
        would stop on a NameError: no run can tell more)."""
        try:
            compile(source, "candidate", "exec")
            return self.free_names is None or not undefined(source) - self.free_names
        except (SyntaxError, ValueError):
            return False

    def reproduces(self, source: str) -> bool:
        """The runs: `needed` of `tries` show the signature (see __call__)."""
        tries, needed = self.tries, self.needed
        unreachable = bar_unreachable(needed / tries, tries)
        hang_expected = self.expected.startswith(Kind.HANG.value + "|")
        counted = [0]

        def stop(hits: int, runs: int, last: Verdict) -> bool:
            missed, counted[0] = hits == counted[0], hits
            return (
                hits >= needed
                or unreachable(hits, runs, last)
                or (last.kind is Kind.HANG and not hang_expected)
                or (missed and broken(last))
            )

        found = reproduce(
            Case(source), self.pair, tries, expected=self.expected, limits=self.limits, stop_when=stop, jobs=self.jobs
        )
        self.calls += found.runs
        if found.hits < needed:
            return False
        if found.hits / found.runs >= self.rate:
            return True
        # it met the bar, but less often than the original: a candidate that lost most of
        # the race meets `needed` of `tries` by luck now and then, and every such luck
        # would lower the rate the next candidates are held to; one more independent
        # test makes that luck rare (0.26 -> 0.07 for a 20% candidate against 2 of 5)
        counted[0] = 0
        again = reproduce(
            Case(source), self.pair, tries, expected=self.expected, limits=self.limits, stop_when=stop, jobs=self.jobs
        )
        self.calls += again.runs
        return again.hits >= needed


def undefined(source: str) -> frozenset[str]:
    """Global names the program reads that neither it nor the builtins define (symtable:
    reads in functions and classes that resolve to module scope, module-level reads, and
    what functions bind with `global`).  A deletion that leaves one would end in a
    NameError; the harness's own functions are undefined in every generated program,
    hence the comparison with the original."""
    table = symtable.symtable(source, "candidate", "exec")
    bound = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
    read: set[str] = set()

    def walk(scope: symtable.SymbolTable) -> None:
        for symbol in scope.get_symbols():
            name = symbol.get_name()
            if scope.get_type() == "module" or symbol.is_global():
                if symbol.is_referenced():
                    read.add(name)
                if symbol.is_declared_global() and symbol.is_assigned():
                    bound.add(name)
        for child in scope.get_children():
            walk(child)

    walk(table)
    return frozenset(read - bound - set(dir(builtins)) - {"__file__", "__builtins__", "__spec__", "__loader__"})


# errors a deletion makes: a name no longer defined, a module no longer imported
_BROKEN = frozenset({"NameError", "UnboundLocalError", "ImportError", "ModuleNotFoundError"})


def broken(verdict: Verdict) -> bool:
    """A run that did not show the finding and shows why: the program itself stopped on an
    error a deletion makes (both sides reject it, or a thread of the target died of a
    NameError).  Such a candidate is rejected at its first run: the rest would cost a
    rare race's whole `tries` to learn the same thing, and a reproducer that ends in a
    NameError is not one a maintainer can read."""
    if verdict.kind is Kind.INVALID_CASE:
        return True
    target = verdict.target
    if target is None:
        return False
    errors = [target.exception] if target.exception else []
    errors += list(target.thread_exceptions)
    return any(kind.rsplit(".", 1)[-1] in _BROKEN for kind, _message in errors)


# -- scenario passes -------------------------------------------------------------------


def _drop_worker(s) -> Iterator:
    for index in range(len(s.workers)):
        if len(s.workers) > 1:
            candidate = copy.deepcopy(s)
            del candidate.workers[index]
            yield candidate


def _fewer_copies(s) -> Iterator:
    for index, worker in enumerate(s.workers):
        if worker.copies > 1:
            candidate = copy.deepcopy(s)
            candidate.workers[index].copies = max(1, worker.copies // 2)
            yield candidate


def _fewer_iterations(s) -> Iterator:
    for index, worker in enumerate(s.workers):
        if worker.iterations > 8:
            candidate = copy.deepcopy(s)
            candidate.workers[index].iterations //= 2
            yield candidate


def _drop_mutator(s) -> Iterator:
    for index in range(len(s.mutators)):
        if len(s.mutators) > 1:
            candidate = copy.deepcopy(s)
            finals = candidate.mutators[index].final
            del candidate.mutators[index]
            candidate.mutators[-1].final = candidate.mutators[-1].final + finals
            yield candidate


def _drop_mutation(s) -> Iterator:
    for m_index, mutator in enumerate(s.mutators):
        for index in range(len(mutator.plan)):
            if len(mutator.plan) > 1:
                candidate = copy.deepcopy(s)
                del candidate.mutators[m_index].plan[index]
                yield candidate


def _fewer_rounds(s) -> Iterator:
    for index, mutator in enumerate(s.mutators):
        if mutator.rounds > 8:
            candidate = copy.deepcopy(s)
            candidate.mutators[index].rounds //= 2
            yield candidate


def _drop_unused_versions(s) -> Iterator:
    used = {"v0", "vbase"} | {m.target for mut in s.mutators for m in mut.plan + mut.final}
    used |= {a for mut in s.mutators for m in mut.plan + mut.final for a in m.args if isinstance(a, str)}
    unused = [v for v in s.init_versions if v.name not in used]
    if unused:
        candidate = copy.deepcopy(s)
        candidate.init_versions = [v for v in candidate.init_versions if v.name in used]
        yield candidate


def _drop_hostile(s) -> Iterator:
    for index in range(len(s.hostile)):
        candidate = copy.deepcopy(s)
        del candidate.hostile[index]
        yield candidate


# Threads first, then what makes every later run cheaper (fewer rounds, iterations and
# copies: a race program spends its time in its loops), then the many single mutations.
SCENARIO_PASSES = [
    _drop_worker,
    _drop_mutator,
    _fewer_rounds,
    _fewer_iterations,
    _fewer_copies,
    _drop_mutation,
    _drop_unused_versions,
    _drop_hostile,
]


def minimize_scenario(
    scenario, render: Callable, predicate: Reproduces, deadline: float, extra_passes: tuple = ()
) -> tuple:
    """Greedy fixpoint over SCENARIO_PASSES and the family's own passes (`extra_passes`,
    from its Family: triage does not import fuzz); returns (scenario, source)."""
    best, best_source = scenario, render(scenario)
    progress = True
    while progress and time.monotonic() < deadline:
        progress = False
        for make_candidates in list(SCENARIO_PASSES) + list(extra_passes):
            for candidate in make_candidates(best):
                if time.monotonic() >= deadline:
                    return best, best_source
                try:
                    source = render(candidate)
                except (ValueError, KeyError, IndexError):
                    continue
                if predicate(source):
                    best, best_source, progress = candidate, source, True
                    break
    return best, best_source


# -- unused definitions ----------------------------------------------------------------
# A generated program carries its family's whole toolkit: helpers, classes, constants and
# imports the finding does not use, and once threads or steps are gone, more of them.
# Deleting what nothing names is the cheapest reduction there is: the candidate that
# removes all of it at once usually reproduces, and costs one predicate call.


def _bound_names(statement: ast.stmt) -> set[str] | None:
    """The names a module-level statement only binds, or None when it does more (a call,
    an attribute or item store, a loop): such a statement is not dead by being unnamed."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    if isinstance(statement, ast.Assign | ast.AnnAssign):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        names = set()
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    names.add(node.id)
                elif not isinstance(node, ast.Tuple | ast.List | ast.Store | ast.Starred):
                    return None
        return names
    return None


def _noop(statement: ast.stmt, siblings: int) -> bool:
    """A statement that does nothing, or nothing but evaluate its header: a docstring or
    bare constant, a `pass` next to others, an `if`, `try`, `for` or `while` whose every
    branch is `pass` (what statement deletion leaves of a helper)."""
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return True
    if isinstance(statement, ast.Pass):
        return siblings > 1
    if isinstance(statement, ast.Try | ast.If | ast.For | ast.While):
        bodies = [statement.body, statement.orelse, getattr(statement, "finalbody", [])]
        bodies += [handler.body for handler in getattr(statement, "handlers", [])]
        return all(isinstance(s, ast.Pass) for body in bodies for s in body)
    return False


def _read_anywhere(tree: ast.AST) -> set[str]:
    """Every name the program reads, as a variable, an attribute or a string (getattr)."""
    read = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
            read.add(node.id)
        elif isinstance(node, ast.Attribute):
            read.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            read.add(node.value)
    return read


def _unused(tree: ast.Module) -> list[tuple[list[ast.stmt], int]]:
    """Statements nothing needs: module-level bindings of names no other statement reads
    (a name read in its own definition, e.g. recursion, does not count), methods whose
    name nothing reads, and no-ops anywhere (docstrings, surplus `pass`, empty `try`s)."""
    # each module-level statement's reads, once; a name counts as read by "another
    # statement" when more statements read it than this one
    reads = []
    for statement in tree.body:
        read: set[str] = set()
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
                read.add(node.id)
            elif isinstance(node, ast.Global | ast.Nonlocal):
                read.update(node.names)
        reads.append(read)
    readers = collections.Counter(name for read in reads for name in read)
    found = []
    for position, statement in enumerate(tree.body):
        names = _bound_names(statement)
        if names is None or "__all__" in names:
            continue
        if not any(readers[name] - (name in reads[position]) for name in names):
            found.append((tree.body, position))
    # methods nothing calls by name (dunders are called by the interpreter)
    read = _read_anywhere(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            found.extend(
                (node.body, position)
                for position, s in enumerate(node.body)
                if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
                and not (s.name.startswith("__") and s.name.endswith("__"))
                and s.name not in read
            )
    for body in _bodies(tree):
        found.extend((body, position) for position, s in enumerate(body) if _noop(s, len(body)))
    return found


def _halvings(count: int) -> list[tuple[int, int]]:
    """Ranges of `count` items: all of them, then halves, quarters ... single ones, each
    size from the end (ddmin's order: one rare statement does not cost every other one
    a candidate of its own)."""
    ranges, size = [(0, count)], count // 2
    while size >= 1:
        end = count
        while end > 0:
            ranges.append((max(0, end - size), end))
            end = max(0, end - size)
        size //= 2
    return ranges


def unused(source: str, index: int) -> str | None:
    """Candidate 0 deletes every unused statement at once; the next ones the later half,
    the earlier half, then quarters ... down to single statements (from the last: later
    statements use earlier ones)."""
    tree = ast.parse(source)
    found = _unused(tree)
    ranges = _halvings(len(found)) if found else []
    if index >= len(ranges):
        return None
    start, end = ranges[index]
    doomed = {id(body[position]) for body, position in found[start:end]}
    for body in _bodies(tree):
        kept = [s for s in body if id(s) not in doomed]
        body[:] = kept or [ast.Pass()]
    return _unparse(tree, source)


def minimize_unused(source: str, predicate: Reproduces, deadline: float) -> str:
    """Delete unused definitions and no-ops until none is left that can go: all at once
    first, then in halves down to one at a time; each deletion may leave more unused,
    so the candidates start over after each."""
    best, index = source, 0
    while time.monotonic() < deadline:
        try:
            candidate = unused(best, index)
        except (SyntaxError, ValueError, RecursionError):
            candidate = None
        if candidate is None:
            break
        if candidate != best and predicate(candidate):
            best, index = candidate, 0
        else:
            index += 1
    return best


# -- statement deletion ----------------------------------------------------------------


def _bodies(tree: ast.AST) -> list[list[ast.stmt]]:
    found = []
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                found.append(body)
        for handler in getattr(node, "handlers", []) or []:
            found.append(handler.body)
    return found


def _scope(tree: ast.AST, top: bool) -> list[list[ast.stmt]]:
    """The bodies statement deletion works on: the module's own (`top`), or every one."""
    assert isinstance(tree, ast.Module)
    return [tree.body] if top else _bodies(tree)


def _statements(source: str, top: bool = False) -> int:
    return sum(len(body) for body in _scope(ast.parse(source), top))


def _without(source: str, start: int, count: int, top: bool = False) -> str | None:
    """The program with statements [start, start+count) (in walk order; module-level
    ones only with `top`) removed."""
    tree = ast.parse(source)
    index = 0
    for body in _scope(tree, top):
        keep = []
        for statement in body:
            if not (start <= index < start + count):
                keep.append(statement)
            index += 1
        body[:] = keep or [ast.Pass()]
    return _unparse(tree, source)


def _unparse(tree: ast.AST, source: str) -> str | None:
    try:
        text = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    except (ValueError, RecursionError):
        return None
    # unparse drops comments: keep the start-up environment the program declares
    return "".join(f"# tandem-env: {name}={value}\n" for name, value in declared_env(source)) + text


def minimize_statements(source: str, predicate: Reproduces, deadline: float, top: bool = False) -> str:
    """Delete statements in chunks (halving) then one at a time, keeping what reproduces.
    Chunks are tried from the end: a later statement uses earlier ones, never the
    reverse, so the tail (a program's closing checks and prints) goes first, and a
    deletion leaves the positions of the chunks still to try unchanged."""
    best = source
    chunk = max(1, _statements(best, top) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        end, progressed = _statements(best, top), False
        while end > 0 and time.monotonic() < deadline:
            start = max(0, end - chunk)
            candidate = _without(best, start, end - start, top)
            if candidate is not None and candidate != best and predicate(candidate):
                best, progressed = candidate, True
            end = start
        if not progressed:
            chunk //= 2
    return best


# -- text passes -----------------------------------------------------------------------
# Each pass is `pass_(source, index) -> str | None`: the index-th candidate of its kind
# (in ast.walk order), None when there is no such candidate.  A candidate need not keep
# the program's meaning: the predicate (same signature, enough of the rate) decides.

_COMPOUND = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.If,
    ast.Try,
)


def _statement_slots(tree: ast.AST) -> list[tuple[list[ast.stmt], int]]:
    return [(body, position) for body in _bodies(tree) for position in range(len(body))]


def hoist(source: str, index: int) -> str | None:
    """Replace the index-th compound statement (def, loop, with, if, try) by its body:
    statements come out of functions, loops, threads' targets and `with` blocks."""
    tree = ast.parse(source)
    slots = [(body, position) for body, position in _statement_slots(tree) if isinstance(body[position], _COMPOUND)]
    if index >= len(slots):
        return None
    body, position = slots[index]
    statement = body[position]
    assert isinstance(statement, _COMPOUND)  # the slots kept are those
    body[position : position + 1] = statement.body
    return _unparse(tree, source)


def _called_once(tree: ast.AST) -> list[tuple[list[ast.stmt], int, ast.FunctionDef]]:
    """Statements `f(...)` calling a module-level function defined without *args/**kwargs."""
    functions = {
        node.name: node
        for node in getattr(tree, "body", [])
        if isinstance(node, ast.FunctionDef) and not node.args.vararg and not node.args.kwarg
    }
    found = []
    for body, position in _statement_slots(tree):
        statement = body[position]
        if (
            isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Name)
            and statement.value.func.id in functions
        ):
            found.append((body, position, functions[statement.value.func.id]))
    return found


def inline(source: str, index: int) -> str | None:
    """Replace the index-th call statement of a module function by the function's body
    (its parameters assigned from the call's arguments first)."""
    tree = ast.parse(source)
    calls = _called_once(tree)
    if index >= len(calls):
        return None
    body, position, function = calls[index]
    statement = body[position]
    assert isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)  # what _called_once found
    call = statement.value
    parameters = [a.arg for a in function.args.args]
    if len(call.args) > len(parameters) or call.keywords:
        return None
    assigned = [
        ast.Assign([ast.Name(name, ast.Store())], value) for name, value in zip(parameters, call.args, strict=False)
    ]
    body[position : position + 1] = assigned + copy.deepcopy(function.body)
    return _unparse(tree, source)


def unthread(source: str, index: int) -> str | None:
    """Drop a thread the bug does not need: the index-th argument of a `threads(...)`
    call removed, or `threads(f)` made a plain call `f()`."""
    tree = ast.parse(source)
    candidates: list[tuple[ast.Call, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "threads":
            candidates.extend((node, position) for position in range(len(node.args)))
    if index >= len(candidates):
        return None
    node, position = candidates[index]
    if len(node.args) > 1:
        del node.args[position]
    else:  # the last one: called directly, in this thread
        node.func, node.args, node.keywords = node.args[0], [], []
    return _unparse(tree, source)


def constants(source: str, index: int) -> str | None:
    """Replace the index-th expression worth simplifying by a constant: an integer above
    1 by 1 (loop counts, sizes; from 16 up, by its half first), a call used as a value
    by None."""
    tree = ast.parse(source)
    targets = []
    for node in ast.walk(tree):
        for field, value in ast.iter_fields(node):
            values = value if isinstance(value, list) else [value]
            for position, child in enumerate(values):
                if isinstance(child, ast.Constant) and type(child.value) is int and child.value > 1:
                    if child.value >= 16:  # a loop count a race needs some of: halved first
                        halved = ast.Constant(child.value // 2)
                        targets.append((node, field, position, isinstance(value, list), halved))
                    targets.append((node, field, position, isinstance(value, list), ast.Constant(1)))
                elif isinstance(child, ast.Call) and not isinstance(node, ast.Expr):
                    targets.append((node, field, position, isinstance(value, list), ast.Constant(None)))
    if index >= len(targets):
        return None
    node, field, position, is_list, replacement = targets[index]
    if is_list:
        getattr(node, field)[position] = replacement
    else:
        setattr(node, field, replacement)
    return _unparse(tree, source)


TEXT_PASSES = [unthread, inline, hoist, constants]


def minimize_text(source: str, predicate: Reproduces, deadline: float) -> str:
    """Greedy fixpoint over TEXT_PASSES: within a pass, an accepted candidate is kept and
    the same index tried again on the result (the nodes after it moved up)."""
    best = source
    for make in TEXT_PASSES:
        index = 0
        while time.monotonic() < deadline:
            try:
                candidate = make(best, index)
            except (SyntaxError, ValueError, RecursionError):
                candidate = None
            if candidate is None:
                break
            if candidate != best and len(candidate) <= len(best) + 64 and predicate(candidate):
                best = candidate
            else:
                index += 1
    return best


@dataclasses.dataclass(frozen=True)
class Minimized:
    source: str
    scenario: object | None
    lines_before: int
    lines_after: int
    rate: float
    predicate_calls: int
    seconds: float
    rerun: Reproduction | None = None  # the re-runs that measured a flaky original's rate first


def minimize(
    source: str,
    scenario,
    render: Callable | None,
    predicate: Reproduces,
    max_seconds: float = 900.0,
    extra_passes: tuple = (),
    short_form: Callable | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> Minimized:
    """The scenario passes (when there is a scenario; the family's own `extra_passes`
    after the shared ones) within SCENARIO_SHARE of the time, then the family's
    `short_form` of the scenario (a plain program without its runtime, e.g. the
    interleave family's bug-report form) when it still reproduces, then the text phases
    (unused definitions, module-level then all statement deletion, text passes) in turn
    until none makes the program smaller.  `say` hears a line after each phase."""
    started = time.monotonic()
    deadline = started + max_seconds
    best_scenario, best = scenario, source
    try:
        predicate.free_names = undefined(source)
    except (SyntaxError, ValueError):
        predicate.free_names = None

    # each phase's result, to fall back to when the final one does not meet the bar
    checkpoints: list[tuple[str, str, object]] = [("the original", source, scenario)]

    def phase(name: str, result: str) -> str:
        say(f"  {name}: {result.count(chr(10))} lines, {predicate.calls} runs, {time.monotonic() - started:.0f}s")
        if result != checkpoints[-1][1]:
            checkpoints.append((f"the {name} phase's result", result, best_scenario))
        return result

    if scenario is not None and render is not None:
        share = started + max_seconds * SCENARIO_SHARE
        best_scenario, best = minimize_scenario(scenario, render, predicate, share, extra_passes)
        phase("scenario", best)
    if best_scenario is not None and short_form is not None and time.monotonic() < deadline:
        candidate = short_form(best_scenario)
        if len(candidate) < len(best) and predicate(candidate):
            best = phase("short form", candidate)
    while time.monotonic() < deadline:
        before = best
        best = phase("unused", minimize_unused(best, predicate, deadline))
        best = phase("module statements", minimize_statements(best, predicate, deadline, top=True))
        best = phase("unused", minimize_unused(best, predicate, deadline))
        best = phase("statements", minimize_statements(best, predicate, deadline))
        best = phase("text", minimize_text(best, predicate, deadline))
        if best == before:
            break
    # the rate the report gives: every run made (a stop at an unreachable bar would
    # report 0 for a program that reproduces, only less often than the bar)
    tries = max(predicate.tries, 5)
    bar = predicate.rate * predicate.fraction

    def measured(program: str) -> float:
        rate = predicate.measure(program, tries, early=False)
        if rate < bar:  # one short measurement is noisy: twice as many runs more, then judge
            rate = (rate * tries + predicate.measure(program, 2 * tries, early=False) * 2 * tries) / (3 * tries)
        return rate

    rate = measured(best)
    # Every candidate passed the bar, but a long chain of candidates that each lost a
    # little of the race can pass by luck one time too many (a rate of 0% was seen after
    # 30 acceptances).  The result must meet the bar as measured: if it does not, the
    # phases' results are measured from the newest back, and the first that does is it.
    if checkpoints[-1][1] == best:
        checkpoints.pop()  # the result itself (or the original, which then stays)
    while rate < bar and checkpoints:
        name, earlier, earlier_scenario = checkpoints.pop()
        say(f"  the result shows it in {rate:.0%} of {3 * tries} runs, under the bar of {bar:.0%}: back to {name}")
        best, best_scenario = earlier, earlier_scenario
        rate = measured(best)
    return Minimized(
        best, best_scenario, source.count("\n"), best.count("\n"), rate, predicate.calls, time.monotonic() - started
    )


SCENARIO_SHARE = 0.5  # of the time: the scenario passes' most (the text phases reach further)
FLAKY_RERUNS = 40  # re-runs that measure the rate of a finding seen once, before minimizing it
RARE_FACTOR = 4.0  # a rare finding gets up to this many times the time budget


def budget(seconds: float, rate: float) -> float:
    """The time to minimize a finding of this rate: a rejected candidate costs about
    1/rate runs, so a rarer finding gets more time (at most RARE_FACTOR times)."""
    return seconds * min(RARE_FACTOR, max(1.0, 0.5 / max(rate, 1e-3)))


def minimize_sighting(
    source: str,
    scenario,
    render: Callable | None,
    pair: Pair,
    expected: str,
    hits: int,
    runs: int,
    seconds: float,
    limits: Limits,
    jobs: int = 1,
    extra_passes: tuple = (),
    short_form: Callable | None = None,
) -> Minimized:
    """A campaign's finding (seen `hits` times in `runs`), minimized to the same signature
    at no less than half its rate.  A finding seen only once has no rate to keep: it is
    re-run up to FLAKY_RERUNS times first (until 3 reproductions), and those runs are
    returned in `rerun` so the bucket counts them.  When none of them shows it, the
    original comes back unchanged (no smaller program can be checked against it)."""
    started = time.monotonic()
    rerun = None
    if hits <= 1:
        rerun = reproduce(
            Case(source),
            pair,
            FLAKY_RERUNS,
            expected=expected,
            limits=limits,
            stop_when=lambda seen, _runs, _last: seen >= 3,
            jobs=jobs,
        )
        hits, runs = hits + rerun.hits, runs + rerun.runs
        if not rerun.hits:
            lines = source.count("\n")
            return Minimized(
                source, scenario, lines, lines, hits / max(runs, 1), rerun.runs, time.monotonic() - started, rerun
            )
    rate = hits / max(runs, 1)
    predicate = Reproduces(pair, expected, rate, fraction=0.5, limits=limits, jobs=jobs)
    result = minimize(
        source,
        scenario,
        render,
        predicate,
        max_seconds=budget(seconds, rate),
        extra_passes=extra_passes,
        short_form=short_form,
    )
    return dataclasses.replace(
        result,
        predicate_calls=result.predicate_calls + (rerun.runs if rerun else 0),
        seconds=time.monotonic() - started,
        rerun=rerun,
    )
