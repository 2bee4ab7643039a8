"""The `tandem` command: argument parsing and printing only; the work lives in the stages.

Exit codes: 0 agree / success, 1 a finding (any verdict but agree), 2 usage or
infrastructure error (never a finding).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tandem.oracle import campaign_dir, sanitizers, store
from tandem.oracle import interpreters as registry
from tandem.oracle.diff import format_verdict
from tandem.oracle.errors import TandemError
from tandem.oracle.model import Case, Kind, Limits, to_jsonable

EXIT_AGREE, EXIT_FINDING, EXIT_ERROR = 0, 1, 2

out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _size(text: str) -> int:
    """'4G', '512M', '0' -> bytes."""
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    text = text.strip().lower()
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(deadline=args.timeout, address_space=_size(args.memory_limit))


def _config(args: argparse.Namespace) -> registry.Config:
    return registry.load_config(explicit=Path(args.config) if args.config else None)


def _pair(args: argparse.Namespace, config: registry.Config):
    target = registry.resolve(args.target or config.target, config)
    oracle = registry.resolve(args.oracle or config.oracle, config)
    return target, oracle


# -- interpreters ----------------------------------------------------------------------


def cmd_interpreters_list(args: argparse.Namespace) -> int:
    config = _config(args)
    rows = []
    for entry in registry.known(config):
        try:
            found = registry.probe(entry.path, name=entry.name, origin=entry.origin)
            rows.append(
                {
                    "name": entry.name,
                    "aliases": list(entry.aliases),
                    "path": found.path,
                    "version": found.version,
                    "free_threaded": found.free_threaded,
                    "debug": found.debug,
                    "sanitizer": found.sanitizer or None,
                    "specializer": found.features.specializer,
                    "origin": entry.origin,
                    "features": to_jsonable(found.features),
                    "status": "ok",
                }
            )
        except TandemError as exc:
            rows.append(
                {
                    "name": entry.name,
                    "aliases": list(entry.aliases),
                    "path": entry.path,
                    "version": "",
                    "free_threaded": None,
                    "debug": None,
                    "sanitizer": None,
                    "specializer": None,
                    "origin": entry.origin,
                    "features": {},
                    "status": f"missing: {exc}",
                }
            )
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_AGREE
    if not rows:
        err.print("no interpreters known: run `tandem interpreters provision` or `tandem interpreters add NAME PATH`")
        return EXIT_AGREE
    table = Table("name", "version", "free-threaded", "debug", "sanitizer", "specializer", "origin", "status")
    table.add_column("path", overflow="fold")
    table.add_column("aliases", overflow="fold")
    yes = lambda v: "" if v is None else ("yes" if v else "no")  # noqa: E731
    for row in rows:
        table.add_row(
            row["name"],
            row["version"],
            yes(row["free_threaded"]),
            yes(row["debug"]),
            row["sanitizer"] or "",
            yes(row["specializer"]),
            row["origin"],
            "ok" if row["status"] == "ok" else f"[red]{row['status']}[/red]",
            row["path"],
            ", ".join(row["aliases"]),
        )
    out.print(table)
    out.print(f"defaults: target = {config.target}, oracle = {config.oracle}")
    return EXIT_AGREE


def cmd_interpreters_provision(args: argparse.Namespace) -> int:
    from tandem.oracle import provision

    started = time.monotonic()

    def progress(message: str) -> None:
        err.print(f"[{time.monotonic() - started:6.1f}s] {message}")

    builds = provision.provision(
        variants=tuple(args.variant or ("ft-debug", "ft")),
        tarball=Path(args.tarball) if args.tarball else None,
        source_dir=Path(args.source) if args.source else None,
        progress=progress,
        force=args.force,
        refresh=args.refresh,
        jobs=args.jobs,
        wanted=args.version,
        source_url=args.source_url,
        fallback_url=_config(args).source_url,
        sha256=args.sha256,
    )
    for build in builds:
        out.print(f"{build.variant:<9} {build.key:<22} {build.python}")
    return EXIT_AGREE


def cmd_interpreters_add(args: argparse.Namespace) -> int:
    config = _config(args)
    _, interpreter = registry.add_interpreter(config, args.name, args.path)
    out.print(f"added {args.name}: {interpreter.description} at {interpreter.path} (in {config.path})")
    return EXIT_AGREE


def cmd_interpreters_discover(args: argparse.Namespace) -> int:
    import dataclasses

    from tandem.oracle.discover import discover

    found = discover(tuple(Path(d) for d in args.build_dirs or ()))
    usable = sorted(
        ((f, f.interpreter) for f in found if f.interpreter is not None),
        key=lambda pair: (pair[1].version_info, pair[0].name),
    )
    added: list[str] = []
    if args.add and usable:
        config = _config(args)
        names = dict(config.interpreters)
        for one, interpreter in usable:
            name = one.name
            if names.get(name, interpreter.path) != interpreter.path:
                name = f"{name}-{one.source}"  # the user's own entry keeps its name
            if names.get(name) != interpreter.path:
                names[name] = interpreter.path
                added.append(name)
        if added:
            registry.save_config(dataclasses.replace(config, interpreters=names))
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "name": f.name,
                        "path": f.path,
                        "source": f.source,
                        "problem": f.problem,
                        "version": f.interpreter.version if f.interpreter else "",
                        "free_threaded": f.interpreter.free_threaded if f.interpreter else None,
                        "debug": f.interpreter.debug if f.interpreter else None,
                        "added": f.name in added,
                    }
                    for f in found
                ],
                indent=2,
            )
        )
        return EXIT_AGREE
    table = Table("name", "version", "free-threaded", "debug", "specializer", "source")
    table.add_column("path", overflow="fold")
    for one, i in usable:
        table.add_row(
            one.name,
            i.version,
            "yes" if i.free_threaded else "no",
            "yes" if i.debug else "no",
            "yes" if i.features.specializer else "no",
            one.source,
            one.path,
        )
    out.print(table)
    for one in found:
        if one.interpreter is None:
            out.print(f"not usable ({one.source}): {one.problem}", markup=False)
    if args.add:
        config_path = _config(args).path
        out.print(
            f"added {len(added)} to {config_path}: {', '.join(added)}"
            if added
            else f"nothing new to add to {config_path}",
            markup=False,
        )
    else:
        out.print(
            f"{len(usable)} usable; `tandem interpreters discover --add` records them in tandem.toml", markup=False
        )
    return EXIT_AGREE


# -- run -------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    from tandem.oracle.reproduce import judge

    cases = []
    for name in args.programs:
        program = Path(name)
        try:
            source = program.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TandemError(f"cannot read program {program}: {exc}") from None
        cases.append(Case(source=source, name=program.name, meta=(("origin", str(program)),)))
    config = _config(args)
    target, oracle = _pair(args, config)
    if not args.json:
        out.print(f"target: {target.name} ({target.description})")
        out.print(f"oracle: {oracle.name} ({oracle.description})")
    if args.outside_view:
        from tandem.oracle import outside

        if not outside.interface_of(target):
            raise TandemError(
                f"--outside-view: {target.name} has neither _testexternalinspection (3.13+) "
                "nor _remote_debugging (3.14+)"
            )
    reports = []
    findings = 0
    for program, case in zip(args.programs, cases, strict=True):
        verdict = judge(case, target, oracle, _limits(args), confirm=args.confirm, feedback=args.feedback)
        findings += verdict.kind is not Kind.AGREE
        seen = outside.run(case, target, _limits(args)) if args.outside_view else None
        findings += bool(seen and seen.findings)
        if args.json:
            reports.append(
                {
                    "case": program,
                    "verdict": to_jsonable(verdict),
                    **(
                        {"outside": to_jsonable(seen.inspections), "outside_findings": list(seen.findings)}
                        if seen
                        else {}
                    ),
                }
            )
        else:
            if len(cases) > 1:
                out.print(f"\n== {program}")
            out.print(format_verdict(verdict, target.name, oracle.name), markup=False)
            if seen:
                out.print(_format_outside(seen, target.name), markup=False)
    if args.json:
        document = {"target": to_jsonable(target), "oracle": to_jsonable(oracle), "runs": reports}
        print(json.dumps(document, indent=2))
    elif len(cases) > 1:
        out.print(f"\n{len(cases)} program(s): {len(cases) - findings} agree, {findings} not")
    return EXIT_FINDING if findings else EXIT_AGREE


def _format_outside(seen, target_name: str) -> str:
    if not seen.inspections:
        return f"outside view: the program never called pause_for_inspection() on {target_name}"
    lines = []
    for inspection in seen.inspections:
        state = inspection.finding or ("agrees" if inspection.comparable else "not compared (other threads alive)")
        lines.append(f"outside view at {inspection.label!r} ({inspection.interface or 'no interface'}): {state}")
        if inspection.outside is not None:
            lines.append(f"  outside: {' <- '.join(inspection.outside)}")
        lines.append(f"  own:     {' <- '.join(inspection.own)}")
    return "\n".join(lines)


# -- generate ------------------------------------------------------------------------


def _capabilities(args: argparse.Namespace, config: registry.Config):
    """What the generated programs may use: the target's (and oracle's) capabilities."""
    from tandem.fuzz.scenario import Capabilities

    name = args.target or config.target
    try:
        interpreters = [registry.resolve(name, config)]
        if args.oracle or config.oracle:
            interpreters.append(registry.resolve(args.oracle or config.oracle, config))
    except TandemError as exc:
        if args.target:
            raise
        err.print(f"note: generating for default capabilities ({exc})", markup=False)
        return Capabilities()
    return Capabilities.common(*interpreters)


def cmd_generate(args: argparse.Namespace) -> int:
    from tandem.fuzz.family import FAMILIES, build
    from tandem.fuzz.render import render

    families = sorted(FAMILIES) if args.family in (None, ["all"]) else args.family
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        raise TandemError(f"unknown family {', '.join(unknown)}; known: {', '.join(sorted(FAMILIES))}")
    caps = _capabilities(args, _config(args))
    out_dir = Path(args.out) if args.out else None
    written = 0
    for family in families:
        built = []
        for seed in range(args.seed, args.seed + args.count):
            scenario = build(family, seed, caps)
            if args.stats:
                built.append(scenario)
                if out_dir is None:
                    continue
            source = render(scenario)
            if out_dir is None:
                print(source, end="" if len(families) * args.count == 1 else "\n# " + "-" * 70 + "\n")
                continue
            stem = out_dir / f"{family}-{seed}"
            store.atomic_write_text(stem.with_suffix(".json"), scenario.dumps() + "\n")
            store.atomic_write_text(stem.with_suffix(".py"), source)
            written += 1
        if args.stats:
            coverage = FAMILIES[family].coverage
            lines = (
                coverage(built, caps)
                if coverage is not None
                else [f"programs: {len(built)} (this family has no operation catalog to cover)"]
            )
            print(f"{family}:")
            for line in lines:
                print(f"  {line}")
    if out_dir is not None:
        err.print(f"wrote {written} program(s) with their scenarios to {out_dir}")
    return EXIT_AGREE


# -- corpus, export, replay --------------------------------------------------------------

DEFAULT_CORPUS = Path("corpus")


def _find_case(reference: str) -> store.CorpusCase:
    """A case by path (.py or .json) or by id (searched under ./corpus)."""
    path = Path(reference)
    if path.suffix in (".py", ".json") and path.exists():
        if path.with_suffix(".json").exists():
            return store.load_case(path.with_suffix(".json"))
        source = path.read_text(encoding="utf-8")
        return store.CorpusCase(store.case_id(source), source, store.Expectation(), origin=str(path), path=None)
    for json_path in store.case_files([DEFAULT_CORPUS]) if DEFAULT_CORPUS.is_dir() else []:
        if json_path.stem == reference or json_path.stem.startswith(reference):
            return store.load_case(json_path)
    raise TandemError(f"no case {reference!r}: give a .py/.json path or the id of a case under {DEFAULT_CORPUS}/")


def cmd_corpus_add(args: argparse.Namespace) -> int:
    case = _find_case(args.case)
    expect = (
        store.Expectation.from_json({"kind": args.expect, **({"side": args.side} if args.side else {})}, "--expect")
        if args.expect
        else case.expect
    )
    added = store.add_case(
        Path(args.to),
        case.source,
        expect=expect,
        origin=case.origin or args.case,
        description=args.description or case.description,
        tags=set(case.tags) | set(args.tag or ()),
        signature=case.signature,
        scenario=case.scenario,
        known_failures=case.known_failures,
    )
    out.print(f"added {added.id} ({expect.kind.value}) to {args.to}: {added.path}")
    return EXIT_AGREE


def cmd_corpus_list(args: argparse.Namespace) -> int:
    table = Table("id", "expect", "tags", "origin", "description")
    problems = 0
    rows = []
    for item in store.iter_cases(args.paths or [DEFAULT_CORPUS]):
        if isinstance(item, TandemError):
            problems += 1
            err.print(f"tandem: error: {item}", markup=False)
            continue
        rows.append(item)
        table.add_row(item.id, item.expect.kind.value, ", ".join(item.tags), item.origin, item.description[:60])
    if args.json:
        print(json.dumps([dict(c.metadata(), path=str(c.path)) for c in rows], indent=2))
    else:
        out.print(table)
        out.print(f"{len(rows)} case(s)" + (f", {problems} unreadable" if problems else ""))
    return EXIT_FINDING if problems else EXIT_AGREE


def cmd_export(args: argparse.Namespace) -> int:
    case = _find_case(args.case)
    if args.bug_report:
        text = _bug_report(case)
    elif not args.standalone:
        text = case.source
    else:
        header = [f"tandem case {case.id}", f"expected: {case.expect.kind.value}"]
        if case.description:
            header.append(case.description)
        if case.origin:
            header.append(f"origin: {case.origin}")
        target = _export_target(args, case)
        if target is not None:
            header.append(f"found on: {target.name} ({target.description})")
        make = store.export_standalone if args.full_harness else store.reproducer
        filename = Path(args.out).name if args.out else f"{case.id}.py"
        text = make(case.source, "\n".join(header), filename, _sanitizer_run(target))
    if args.out:
        store.atomic_write_text(Path(args.out), text)
        Path(args.out).chmod(0o755)
        err.print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return EXIT_AGREE


def _campaign_of(path: Path) -> Path | None:
    """The campaign directory a finding's case lies in (findings/<bucket>/<case>.json)."""
    for parent in list(path.resolve().parents)[:4]:
        if campaign_dir.is_campaign(parent):
            return parent
    return None


def _export_target(args: argparse.Namespace, case: store.CorpusCase):
    """The build a case is exported for: --target, else the target of the campaign the
    case was found in (None: a plain reproducer)."""
    if args.target:
        return registry.resolve(args.target, _config(args))
    campaign = _campaign_of(Path(args.case)) if Path(args.case).exists() else None
    if campaign is None:
        if case.expect.kind in (Kind.DATA_RACE, Kind.MEMORY_ERROR):
            err.print(
                f"tandem: note: case {case.id} expects {case.expect.kind.value}: give --target (ft-tsan, ft-asan) "
                "for a reproducer that sets the sanitizer's environment",
                markup=False,
            )
        return None
    info = campaign_dir.read_info(campaign)
    try:
        return registry.resolve(info.target, _config(args))
    except TandemError:
        try:
            return registry.probe(info.target_path, name=info.target)
        except TandemError as exc:
            err.print(f"tandem: note: the campaign's target {info.target} is not here ({exc})", markup=False)
            return None


def _sanitizer_run(interpreter) -> sanitizers.StandaloneRun | None:
    """What a reproducer for `interpreter` must set up: its sanitizer's environment."""
    if interpreter is None or not interpreter.sanitizer:
        return None
    return sanitizers.standalone_run(interpreter.sanitizer, interpreter.path)


def _bug_report(case: store.CorpusCase) -> str:
    """A case with a scenario of a family that has a report form (interleave), in it."""
    from tandem.fuzz.family import FAMILIES
    from tandem.fuzz.scenario import Scenario

    scenario = Scenario.from_json(case.scenario) if case.scenario else None
    family = FAMILIES.get(scenario.family) if scenario is not None else None
    if scenario is None or family is None or family.reproducer is None:
        raise TandemError(
            f"case {case.id} has no scenario of a family with a report form (interleave has one): use --standalone"
        )
    return family.reproducer(scenario)


def cmd_replay(args: argparse.Namespace) -> int:
    from tandem.oracle.replay import junit_xml, replay

    config = _config(args)
    oracle = registry.resolve(args.oracle or config.oracle, config)
    names = [n for n in (args.interpreters or "").split(",") if n] or [args.target or config.target]
    targets = [registry.resolve(name, config) for name in names]
    results = replay(args.paths or [DEFAULT_CORPUS], targets, oracle, _limits(args), runs=args.runs, jobs=args.jobs)
    if args.junit:
        store.atomic_write_text(Path(args.junit), junit_xml(results))
    table = Table("case", "target", "expected", "observed", "status")
    colours = {"pass": "green", "known": "yellow", "fail": "red", "error": "red"}
    for result in sorted(results, key=lambda r: (r.status not in ("fail", "error"), r.path, r.target)):
        table.add_row(
            result.case_id,
            result.target,
            result.expected,
            result.observed,
            f"[{colours[result.status]}]{result.status}[/]",
        )
    out.print(table)
    for result in results:
        if result.status in ("fail", "error"):
            out.print(f"\n{result.status.upper()} {result.path or result.case_id} on {result.target}:", markup=False)
            out.print(result.detail, markup=False)
    counts = {status: sum(r.status == status for r in results) for status in colours}
    out.print(
        f"\n{len(results)} replayed: {counts['pass']} pass, {counts['known']} known failures, "
        f"{counts['fail']} fail, {counts['error']} unreadable"
    )
    return EXIT_AGREE if counts["fail"] == counts["error"] == 0 else EXIT_FINDING


# -- fuzz ----------------------------------------------------------------------------


def _duration(text: str) -> float:
    """'90', '90s', '15m', '1h', '2d' -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    try:
        return float(text[:-1]) * units[text[-1]] if text and text[-1] in units else float(text)
    except ValueError:
        raise TandemError(f"invalid duration {text!r}: use e.g. 90s, 15m, 1h") from None


def _campaign_table(campaign) -> Table:
    record = campaign.stats_record()
    table = Table(
        title=f"tandem fuzz: {campaign.config.target.name} vs {campaign.config.oracle.name} -> {campaign.out}",
        show_header=False,
    )
    table.add_row("elapsed", f"{record['elapsed']:.0f}s")
    table.add_row(
        "runs",
        f"{record['runs']} ({record['runs_per_second']:.2f}/s)"
        + (f", {record['without_teardown']} without teardown" if record["without_teardown"] else "")
        + (f", {record['lost']} lost with their executor" if record["lost"] else ""),
    )
    table.add_row("families", ", ".join(f"{k} {v}" for k, v in sorted(record["per_family"].items())))
    table.add_row("verdicts", ", ".join(f"{k} {v}" for k, v in sorted(record["verdicts"].items())))
    table.add_row(
        "findings",
        f"{record['buckets']} bucket(s) ({record['flaky']} flaky): "
        + ", ".join(f"{k} {v}" for k, v in sorted(record["findings"].items())),
    )
    table.add_row(
        "unconfirmed",
        f"{record['unconfirmed_buckets']} bucket(s), {record['unconfirmed']} sighting(s) no re-run showed again",
    )
    table.add_row("coverage", f"{record['coverage']} outcomes, {record['specializations']} specializations")
    table.add_row(
        "feedback",
        f"queue {record['queue']}, mutated share {record['mutated_share']:.0%}, "
        f"confirmations {record['confirmations']}",
    )
    if record.get("known_races"):
        table.add_row(
            "known races", f"{record['known_races']} report(s) labelled by the known-races list, not bucketed"
        )
    for bucket in sorted(campaign.buckets.values(), key=lambda b: b.first_seen):
        if bucket.kind in ("data_race", "memory_error"):
            # the two racing stacks (or access and free), top frames: what a reader needs first
            table.add_row(f"{bucket.kind} {bucket.identifier}", _sanitizer_summary(bucket))
    return table


def _sanitizer_summary(bucket) -> str:
    from tandem.oracle import campaign_dir

    lines = campaign_dir.read_sanitizer(Path(bucket.path)).splitlines()
    shown: list[str] = []
    frames = 0
    for line in lines[1:]:
        if not line.startswith("    "):
            if len(shown) >= 2 * 4:
                break
            shown.append(line.strip())
            frames = 0
        elif frames < 3:
            shown.append("  " + line.strip())
            frames += 1
    return "\n".join(shown[:12]) or bucket.signature


def cmd_fuzz(args: argparse.Namespace) -> int:
    from rich.live import Live

    from tandem.fuzz.campaign import Campaign, CampaignConfig, load_programs
    from tandem.fuzz.family import FAMILIES, default_mix
    from tandem.fuzz.scenario import Capabilities
    from tandem.oracle.rates import describe_rate
    from tandem.oracle.signature import signature, signature_id

    config = _config(args)
    target, oracle = _pair(args, config)
    families = (
        default_mix(Capabilities.common(target, oracle)) if not args.families else tuple(args.families.split(","))
    )
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        raise TandemError(f"unknown family {', '.join(unknown)}; known: {', '.join(sorted(FAMILIES))}")
    if args.time is None and args.runs is None:
        raise TandemError("give a budget: --time (e.g. 10m) or --runs N")
    for flag, share in (("--programs-share", args.programs_share), ("--teardown-share", args.teardown_share)):
        if not 0.0 <= share <= 1.0:
            raise TandemError(f"{flag} {share}: give a fraction between 0 and 1")
    programs = load_programs(Path(args.programs)) if args.programs else ()
    scheduler = args.scheduler or os.environ.get("TANDEM_SCHEDULER") or config.scheduler or None
    settings = CampaignConfig(
        out=Path(args.out),
        target=target,
        oracle=oracle,
        families=families,
        seed=args.seed,
        jobs=args.jobs,
        runs=args.runs,
        seconds=_duration(args.time) if args.time else None,
        confirm=args.confirm,
        limits=_limits(args),
        resume=args.resume or args.extend,
        extend=args.extend,
        forkserver=not args.no_forkserver,
        programs=programs,
        programs_share=args.programs_share,
        teardown_share=args.teardown_share,
        minimize_seconds=_duration(args.minimize_time),
        scheduler=scheduler,
    )
    live = Live(console=err, refresh_per_second=2, transient=False) if err.is_terminal else None
    last_line = [0.0]

    def progress(campaign) -> None:
        if live is not None:
            live.update(_campaign_table(campaign))
        elif time.monotonic() - last_line[0] >= 10:
            last_line[0] = time.monotonic()
            record = campaign.stats_record()
            err.print(
                f"[{record['elapsed']:.0f}s] runs {record['runs']} ({record['runs_per_second']:.2f}/s), "
                f"buckets {record['buckets']} ({record['flaky']} flaky), unconfirmed "
                f"{record['unconfirmed_buckets']}, coverage {record['coverage']}, queue {record['queue']}",
                markup=False,
            )

    native = None
    if not args.no_gdb:
        from tandem.triage.native import gdb_path, native_trace

        native = native_trace if gdb_path() else None
    minimizer = None if args.no_minimize else _campaign_minimizer(target, oracle, args.jobs)
    campaign = Campaign(settings, signature, signature_id, progress, native=native, minimizer=minimizer)
    if live is not None:
        with live:
            campaign.run()
    else:
        campaign.run()
    out.print(_campaign_table(campaign))
    notes = (
        []
        if campaign.stopping.is_set()
        else campaign.minimize_new_buckets(lambda message: err.print(message, markup=False))
    )
    buckets = sorted([*campaign.buckets.values(), *campaign.unconfirmed.values()], key=lambda b: b.first_seen)
    for bucket in buckets:
        out.print(
            f"  {bucket.identifier}  {bucket.kind:<22} {bucket.status:<11} x{bucket.count:<4} "
            f"rate {describe_rate(bucket.hits, bucket.runs):<28} {bucket.signature[:90]}",
            markup=False,
        )
    flaky = sum(b.status == "flaky" for b in campaign.buckets.values())
    out.print(
        f"{len(campaign.buckets)} finding bucket(s) ({flaky} flaky), {len(campaign.unconfirmed)} unconfirmed "
        f"in {campaign.out}" + (": `tandem triage` lists them" if buckets else ""),
        markup=False,
    )
    for note in notes:
        out.print(f"  {note}", markup=False)
    if campaign.errors:
        err.print(f"tandem: {len(campaign.errors)} infrastructure error(s); first: {campaign.errors[0]}", markup=False)
        return EXIT_ERROR
    return EXIT_FINDING if buckets else EXIT_AGREE


def cmd_worker(args: argparse.Namespace) -> int:
    """Become Dask workers for campaigns on this host: the interpreters are checked first
    (a worker without them would fail every work item), then `dask worker SCHEDULER
    --nthreads 1 --nworkers N` runs in this process's place."""
    config = _config(args)
    target, oracle = _pair(args, config)
    for interpreter in (target, oracle):
        if not os.access(interpreter.path, os.X_OK):
            raise TandemError(
                f"this host has no {interpreter.name} ({interpreter.path}): run `tandem interpreters "
                "provision` here, or share the interpreter cache at the same path"
            )
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if dask is None:
        raise TandemError("`tandem worker` needs Dask distributed: pip install 'tandem-fuzz[cluster]'")
    workers = args.nworkers or os.cpu_count() or 1
    # --preload: the executor's modules are imported at start, not by the first work item
    argv = [
        dask,
        "worker",
        args.scheduler,
        "--nthreads",
        "1",
        "--nworkers",
        str(workers),
        "--preload",
        "tandem.fuzz.campaign.work",
    ]
    err.print(
        f"tandem worker: {workers} executor(s) for {target.name} vs {oracle.name}: {' '.join(argv)}", markup=False
    )
    sys.stderr.flush()
    os.execv(dask, argv)
    return EXIT_ERROR  # not reached: execv replaces this process


def _family_minimizing(scenario) -> dict:
    """What the scenario's own family (fuzz/family.py) gives triage.minimize: its shrink
    passes and its short standalone form."""
    from tandem.fuzz.family import FAMILIES

    family = FAMILIES.get(scenario.family) if scenario is not None else None
    if family is None:
        return {}
    return {"extra_passes": family.shrink_passes, "short_form": family.reproducer}


def _campaign_minimizer(target, oracle, jobs: int):
    """What the campaign minimizes new buckets with: triage.minimize's passes and
    predicate (same signature, at no less than half the bucket's rate; a bucket seen
    once is re-run first to measure it)."""
    from tandem.fuzz.render import render
    from tandem.fuzz.scenario import Scenario
    from tandem.oracle.reproduce import Pair
    from tandem.triage.minimize import minimize_sighting

    def minimized(source: str, scenario, expected: str, hits: int, runs: int, seconds: float, limits: Limits):
        loaded = Scenario.from_json(scenario) if scenario else None
        return minimize_sighting(
            source,
            loaded,
            render,
            Pair(target, oracle),
            expected,
            hits,
            runs,
            seconds,
            limits,
            jobs=jobs,
            **_family_minimizing(loaded),
        )

    return minimized


# -- triage ----------------------------------------------------------------------------


def cmd_triage(args: argparse.Namespace) -> int:
    from tandem.oracle.rates import describe_rate
    from tandem.triage.buckets import load_buckets, merged

    buckets = load_buckets(*map(Path, args.campaigns))
    groups = merged(buckets)
    if args.json:
        print(
            json.dumps(
                [
                    [dict(dataclasses.asdict(b), reproduction_rate=b.reproduction_rate) for b in group]
                    for group in groups
                ],
                indent=2,
            )
        )
        return EXIT_AGREE
    table = Table(
        "bucket", "kind", "side", "status", "count", "first seen", "rate (95% CI)", "smallest reproducer", "signature"
    )
    for group in groups:
        for index, bucket in enumerate(group):
            smallest = (
                f"{Path(bucket.path) / (bucket.smallest + '.py')} ({bucket.smallest_lines} lines)"
                if bucket.smallest
                else "-"
            )
            if bucket.minimized:
                smallest += f"; minimized {Path(bucket.path) / bucket.minimized} ({bucket.minimized_lines} lines)"
            table.add_row(
                ("" if index == 0 else "  ~ ") + bucket.identifier,
                bucket.kind,
                bucket.side,
                bucket.status,
                str(bucket.count),
                bucket.first_seen,
                describe_rate(bucket.hits, bucket.runs),
                smallest,
                bucket.signature[:90],
            )
    out.print(table)
    statuses = {status: sum(b.status == status for b in buckets) for status in ("confirmed", "flaky", "unconfirmed")}
    out.print(
        f"{len(buckets)} bucket(s) in {len(groups)} group(s) of near duplicates: "
        + ", ".join(f"{n} {status}" for status, n in statuses.items())
        + (f" (from {len(args.campaigns)} campaigns)" if len(args.campaigns) > 1 else "")
    )
    return EXIT_AGREE


def cmd_reproduce(args: argparse.Namespace) -> int:
    from tandem.oracle.rates import describe_rate
    from tandem.oracle.reproduce import Pair, reproduce

    case = _find_case(args.case)
    config = _config(args)
    if args.native:
        from tandem.triage.native import gdb_path

        if gdb_path() is None:
            raise TandemError("--native needs gdb on PATH (apt-get install gdb)")
    oracle = registry.resolve(args.oracle or config.oracle, config)
    names = [n for n in (args.interpreters or "").split(",") if n] or [args.target or config.target]
    program = Case(source=case.source, name=f"{case.id}.py")
    found = 0
    for name in names:
        target = registry.resolve(name, config)
        # a finding's case counts its own signature; a plain program its first finding's
        result = reproduce(
            program, Pair(target, oracle), args.runs, expected=case.signature or None, limits=_limits(args)
        )
        found += result.hits
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(result.kinds().items()))
        out.print(f"{name:<12} reproduced {describe_rate(result.hits, result.runs)}   [{kinds}]", markup=False)
        out.print(f"{'':<12} signature: {result.signature or '(every run agreed)'}", markup=False)
        if args.native:
            _print_native(program, target, _limits(args))
    return EXIT_FINDING if found else EXIT_AGREE


def _print_native(program: Case, target, limits: Limits) -> None:
    from tandem.triage.native import native_trace

    tries = 5
    trace = native_trace(program, target, limits, tries=tries)
    if trace is None:
        out.print(f"{'':<12} gdb: no crash under the debugger in {tries} runs", markup=False)
        return
    out.print(
        f"{'':<12} gdb: {trace.signal}, native frames: {' < '.join(trace.frames) or '(none named)'}", markup=False
    )
    for line in trace.backtrace.splitlines()[:25]:
        out.print(f"{'':<14}{line}", markup=False, soft_wrap=True)


def cmd_minimize(args: argparse.Namespace) -> int:
    from tandem.fuzz.render import render
    from tandem.fuzz.scenario import Scenario
    from tandem.oracle.reproduce import Pair, known_time_limits, reproduce
    from tandem.triage.minimize import Reproduces, minimize

    case = _find_case(args.case)
    config = _config(args)
    target, oracle = _pair(args, config)
    limits = _limits(args)
    # the original's signature (if not recorded) and its rate
    original = reproduce(
        Case(source=case.source),
        Pair(target, oracle),
        args.tries,
        expected=case.signature or None,
        limits=limits,
        jobs=args.jobs,
    )
    if not original.signature or original.hits == 0:
        raise TandemError(
            f"case {case.id} did not reproduce in {args.tries} runs on {target.name} vs {oracle.name}: "
            "nothing to minimize (raise --tries for a rare race)"
        )
    expected, rate = original.signature, original.rate
    limits = known_time_limits(limits, original.verdicts)  # a candidate that spins costs seconds
    err.print(f"minimizing {case.id}: {expected} (rate {rate:.0%} over {args.tries} runs)", markup=False)
    predicate = Reproduces(Pair(target, oracle), expected, rate, fraction=args.fraction, limits=limits, jobs=args.jobs)
    scenario = Scenario.from_json(case.scenario) if case.scenario else None
    result = minimize(
        case.source,
        scenario,
        render,
        predicate,
        max_seconds=_duration(args.max_time),
        say=lambda line: err.print(line, markup=False),
        **_family_minimizing(scenario),
    )
    header = (
        f"tandem minimized reproducer of case {case.id}\nsignature: {expected}\n"
        f"reproduction rate: {result.rate:.0%} on {target.name} vs {oracle.name} "
        f"(original {rate:.0%})\nlines: {result.lines_before} -> {result.lines_after}"
    )
    text = store.reproducer(
        result.source, header, Path(args.out).name if args.out else f"{case.id}-min.py", _sanitizer_run(target)
    )
    if args.out:
        store.atomic_write_text(Path(args.out), text)
        Path(args.out).chmod(0o755)
    else:
        sys.stdout.write(text)
    err.print(
        f"lines {result.lines_before} -> {result.lines_after}, rate {result.rate:.0%}, "
        f"{result.predicate_calls} runs, {result.seconds:.0f}s" + (f"; wrote {args.out}" if args.out else ""),
        markup=False,
    )
    return EXIT_AGREE


def cmd_bisect(args: argparse.Namespace) -> int:
    from tandem.oracle import provision
    from tandem.triage.bisect import bisect_interpreters, bisect_revisions

    case = _find_case(args.case)
    config = _config(args)
    expected = case.signature
    if not expected:
        raise TandemError(
            f"case {case.id} has no recorded signature: bisect a finding's case "
            "(from DIR/findings/) or one made by tandem minimize"
        )
    oracle = registry.resolve(args.oracle, config) if args.oracle else None
    limits = _limits(args)

    def progress(message: str) -> None:
        err.print(message, markup=False)

    if args.interpreters:
        interpreters = [registry.resolve(name, config) for name in args.interpreters]
        result = bisect_interpreters(case.source, interpreters, oracle, expected, args.runs, limits)
    else:
        if not (args.source and args.good and args.bad):
            raise TandemError("give --interpreters A B C ..., or --source DIR --good REV --bad REV")
        checkout = Path(args.source).resolve()
        builds = registry.cache_root() / "bisect"

        def build(revision: str):
            tree = builds / "trees" / revision[:12]
            if not tree.exists():
                tree.parent.mkdir(parents=True, exist_ok=True)
                added = subprocess.run(
                    ["git", "-C", str(checkout), "worktree", "add", "--detach", str(tree), revision],
                    capture_output=True,
                    text=True,
                )
                if added.returncode != 0:
                    shutil.rmtree(tree, ignore_errors=True)
                    raise TandemError(
                        f"git worktree add {revision[:12]} failed in {checkout}: {added.stderr.strip()[-300:]}"
                    )
            # The version names the build (and says whether it can be free-threaded);
            # the revision keeps builds of one version apart.
            version = provision.source_version(tree)
            source = provision.Source(f"{version}-{revision[:12]}", tree, f"checkout:{checkout}@{revision}")
            made = provision.build_variant(source, args.variant, progress, root=builds / "interpreters")
            return registry.probe(made.python, name=revision[:12], origin="bisect")

        result = bisect_revisions(
            case.source,
            checkout,
            args.good,
            args.bad,
            build,
            oracle,
            expected,
            args.runs,
            limits,
            progress,
            fixed=args.fixed,
        )
    table = Table("build", "version", "reproduced", "signature present")
    for step in result.steps:
        table.add_row(step.label, step.version, f"{step.hits}/{step.runs}", "yes" if step.present else "no")
    out.print(table)
    out.print(f"signature: {expected}", markup=False)
    if args.interpreters or not args.fixed:
        out.print(f"first build where it appears: {result.first_bad or 'none'}")
    if args.interpreters or args.fixed:
        out.print(f"first build where it is gone again (fixed): {result.first_fixed or 'none'}")
    if case.path is not None and (Path(case.path).parent / "bucket.json").is_file():  # for `tandem report`
        found = {"first_bad": result.first_bad, "first_fixed": result.first_fixed}
        campaign_dir.write_bisect(
            Path(case.path).parent,
            {  # a --fixed search adds to an earlier one
                **(campaign_dir.read_bisect(Path(case.path).parent) or {}),
                **{key: value for key, value in found.items() if value is not None},
                "steps": [dataclasses.asdict(step) for step in result.steps],
            },
        )
    return EXIT_AGREE


def cmd_report(args: argparse.Namespace) -> int:
    from tandem.triage.report import Build, campaign_html, finding_context, load_verdict, markdown

    if Path(args.finding).is_dir():
        if not campaign_dir.is_campaign(Path(args.finding)):
            raise TandemError(f"{args.finding} is not a campaign directory (no campaign.json)")
        if not args.html:
            raise TandemError("a campaign directory makes an HTML page: add --html")
        page = campaign_html(Path(args.finding))
        target = Path(args.out) if args.out else Path(args.finding) / "report.html"
        store.atomic_write_text(target, page)
        out.print(f"wrote {target}")
        return EXIT_AGREE
    case = _find_case(args.finding)
    config = _config(args)
    bucket, info, campaign = finding_context(case)
    if info is not None:  # the builds the campaign ran, not today's defaults
        pair = [_probed(info.target_path, info.target), _probed(info.oracle_path, info.oracle)]
        builds = [
            Build.of(role, found) if found and found.version == version else Build(role, name, version, "", path)
            for role, found, name, version, path in (
                ("target", pair[0], info.target, info.target_version, info.target_path),
                ("oracle", pair[1], info.oracle, info.oracle_version, info.oracle_path),
            )
        ]
        seen_in = f"the campaign in `{campaign}`"
    else:
        pair = list(_pair(args, config))
        builds = [Build.of("target", pair[0]), Build.of("oracle", pair[1])]
        seen_in = ""
    source, minimized = case.source, None
    if bucket is not None and bucket.minimized and (Path(bucket.path) / bucket.minimized).is_file():
        source = (Path(bucket.path) / bucket.minimized).read_text()  # already a bare-runnable reproducer
        minimized = (case.source.count("\n"), bucket.minimized_lines)
    rates = (
        {f"`{builds[0].name}` (target) against `{builds[1].name}`, over every sighting": (bucket.hits, bucket.runs)}
        if bucket is not None and bucket.runs
        else None
    )
    check = None
    if not args.no_check:
        if None in pair:
            raise TandemError(
                f"cannot check the reproducer: the campaign's {builds[pair.index(None)].role} "
                f"{builds[pair.index(None)].path} is gone (--no-check writes the report unchecked)"
            )
        if bucket is None:
            rate = None
        elif minimized and bucket.minimized_rate:
            rate = bucket.minimized_rate
        else:
            rate = bucket.reproduction_rate
        check = _check_reproducer(case, source, pair[0], pair[1], _limits(args), rate)
    text = markdown(
        case,
        load_verdict(case),
        builds,
        rates,
        source=source,
        seen_in=seen_in,
        check=check,
        minimized=minimized,
        bisect=campaign_dir.read_bisect(Path(bucket.path)) if bucket else None,
    )
    if args.out:
        store.atomic_write_text(Path(args.out), text)
        err.print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    if check is not None:
        err.print(
            f"checked the reproducer on {check.build} ({check.runs} run(s)): {check.kind}, "
            + ("reproduced" if check.reproduced else "did not reproduce in those runs"),
            markup=False,
        )
    return EXIT_AGREE


def _probed(path: str, name: str):
    try:
        return registry.probe(path, name=name, origin="campaign")
    except TandemError:
        return None


def _check_reproducer(case, source: str, target, oracle, limits: Limits, rate: float | None = None):
    """Run the reproducer the report prints on the target against the oracle, counted as
    every re-run is counted (its signature against the case's), until it shows: at most
    enough runs to expect it twice at its known rate (1 to 10)."""
    from tandem.oracle.reproduce import Pair, first_hit, reproduce
    from tandem.triage.report import Check

    runs = 1 if not rate else max(1, min(10, math.ceil(2 / rate)))
    found = reproduce(
        Case(store.with_shim(source), name="repro.py"),
        Pair(target, oracle),
        runs,
        expected=case.signature or None,
        limits=limits,
        stop_when=first_hit,
    )
    verdict = found.verdicts[-1]
    reproduced = bool(found.hits) and (bool(case.signature) or found.signature.startswith(case.expect.kind.value + "|"))
    return Check(
        f"{target.name} vs {oracle.name}",
        verdict.kind.value + ("" if verdict.kind is Kind.AGREE else f" ({verdict.side.value})"),
        reproduced,
        found.runs,
    )


# -- parser ----------------------------------------------------------------------------


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", help="interpreter under test (default: config or ft-debug)")
    parser.add_argument("--oracle", help="reference interpreter (default: config or ft)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run before it is a hang")
    parser.add_argument("--memory-limit", default="8G", help="address-space limit per run (0: none)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tandem", description=__doc__.split("\n")[0])
    parser.add_argument("--config", help="tandem.toml to use (default: ./tandem.toml, [tool.tandem])")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    interp = commands.add_parser("interpreters", help="list, provision and register interpreters")
    interp_commands = interp.add_subparsers(dest="interpreters_command", required=True, metavar="ACTION")
    listing = interp_commands.add_parser("list", help="name, path, version, free-threaded, debug, status")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_interpreters_list)
    prov = interp_commands.add_parser("provision", help="build CPython variants into the cache")
    prov.add_argument(
        "--variant",
        action="append",
        choices=registry.VARIANTS,
        help="variant to build (repeatable; default: ft-debug and ft)",
    )
    source = prov.add_mutually_exclusive_group()
    source.add_argument("--tarball", help="a CPython source tarball")
    source.add_argument("--source", help="a CPython source checkout (built out of tree)")
    source.add_argument(
        "--source-url",
        metavar="BASE",
        help="fetch the release tarball of --version from BASE/X.Y.Z/Python-X.Y.Z.tar.xz "
        "(a python.org mirror; without it, apt first, then [provision] source_url, "
        "$TANDEM_SOURCE_URL or python.org)",
    )
    prov.add_argument(
        "--version", help="the source version: a prefix for apt (3.13), a full release (3.13.15) for a release tarball"
    )
    prov.add_argument("--sha256", help="the release tarball's expected SHA-256 (refused when it differs)")
    prov.add_argument("--refresh", action="store_true", help="look for a newer source even if built")
    prov.add_argument("--force", action="store_true", help="rebuild even if the build exists")
    prov.add_argument("--jobs", type=int, help="make -j (default: number of CPUs)")
    prov.set_defaults(handler=cmd_interpreters_provision)
    add = interp_commands.add_parser("add", help="register any interpreter under a name (in tandem.toml)")
    add.add_argument("name")
    add.add_argument("path")
    add.set_defaults(handler=cmd_interpreters_add)
    find = interp_commands.add_parser("discover", help="find the interpreters already here (pyenv, uv, PATH, a build)")
    find.add_argument(
        "--in",
        dest="build_dirs",
        action="append",
        metavar="DIR",
        help="a CPython build directory (its ./python; repeatable)",
    )
    find.add_argument("--add", action="store_true", help="record the usable ones in tandem.toml under their names")
    find.add_argument("--json", action="store_true")
    find.set_defaults(handler=cmd_interpreters_discover)

    run = commands.add_parser("run", help="run programs on target and oracle and judge each")
    run.add_argument("programs", nargs="+", metavar="PROGRAM")
    _add_run_options(run)
    run.add_argument("--json", action="store_true", help="print the verdict as JSON")
    run.add_argument(
        "--confirm",
        type=int,
        default=3,
        help="runs in all at most when the verdict is not agree: re-run until it shows again",
    )
    run.add_argument("--feedback", action="store_true", help="record specialized instructions reached")
    run.add_argument(
        "--outside-view",
        action="store_true",
        help="also run each program on the target alone and, at each pause_for_inspection(), "
        "read its stack from outside and compare it with the program's own view",
    )
    run.set_defaults(handler=cmd_run)
    corpus = commands.add_parser("corpus", help="add to and list the regression corpus")
    corpus_commands = corpus.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")
    add_case = corpus_commands.add_parser("add", help="store a program or finding as a corpus case")
    add_case.add_argument("case", help="a .py program, a case/finding .json, or a case id")
    add_case.add_argument(
        "--expect",
        choices=[k.value for k in Kind],
        help="expected verdict (default: agree, or the finding's own expectation)",
    )
    add_case.add_argument("--side", choices=["target", "oracle", "both"], help="expected side of a finding")
    add_case.add_argument("--to", default="corpus/regressions", help="corpus directory")
    add_case.add_argument("--tag", action="append", help="tag (repeatable)")
    add_case.add_argument("--description", help="what the case exercises and why")
    add_case.set_defaults(handler=cmd_corpus_add)
    list_cases = corpus_commands.add_parser("list", help="list cases (and unreadable files)")
    list_cases.add_argument("paths", nargs="*", help="corpus directories or files (default: corpus/)")
    list_cases.add_argument("--json", action="store_true")
    list_cases.set_defaults(handler=cmd_corpus_list)

    export = commands.add_parser("export", help="write a case as a program (standalone: harness inlined)")
    export.add_argument("case", help="a .py/.json path or a case id")
    export.add_argument(
        "--standalone",
        action="store_true",
        help="runs on a bare python: a shim of the harness functions the program calls, if any",
    )
    export.add_argument(
        "--full-harness",
        action="store_true",
        help="with --standalone: inline the whole harness (unraisable capture, JSON records)",
    )
    export.add_argument(
        "--bug-report",
        action="store_true",
        help="interleave cases: the schedule as a short program read top to bottom (no harness, no "
        "conductor; prints each step's result)",
    )
    export.add_argument("--out", help="file to write (default: stdout)")
    export.add_argument(
        "--target",
        help="with --standalone: the build the case reproduces on; a sanitizer build's run environment is set "
        "by the file itself (default: the target of the campaign the case lies in)",
    )
    export.set_defaults(handler=cmd_export)

    replay = commands.add_parser("replay", help="replay corpus cases and check their expected verdicts")
    replay.add_argument("paths", nargs="*", help="corpus directories or case files (default: corpus/)")
    _add_run_options(replay)
    replay.add_argument("--interpreters", help="comma-separated targets to replay on (each against the oracle)")
    replay.add_argument("-n", "--runs", type=int, default=1, help="runs per case")
    replay.add_argument("--jobs", type=int, default=2, help="cases run in parallel")
    replay.add_argument("--junit", help="write a JUnit XML report here")
    replay.set_defaults(handler=cmd_replay)

    fuzz = commands.add_parser("fuzz", help="run a fuzzing campaign into an output directory")
    fuzz.add_argument("--out", required=True, help="campaign directory (findings/, queue/, stats.jsonl)")
    fuzz.add_argument("--time", help="time budget (90s, 15m, 1h)")
    fuzz.add_argument("--runs", type=int, help="number of cases")
    fuzz.add_argument("--jobs", type=int, default=2, help="cases run in parallel")
    fuzz.add_argument("--seed", type=int, default=0, help="campaign seed")
    fuzz.add_argument(
        "--families",
        help="comma-separated families (default: every family the pair supports; "
        "alloc_sweep only on debug targets with _testcapi)",
    )
    fuzz.add_argument(
        "--confirm",
        type=int,
        default=8,
        help="re-runs at most per path (fresh, then fork server) until a finding shows again",
    )
    fuzz.add_argument("--resume", action="store_true", help="continue the campaign in --out (the budget is its total)")
    fuzz.add_argument(
        "--extend",
        action="store_true",
        help="continue the campaign in --out with --time/--runs more than it has run (implies --resume)",
    )
    fuzz.add_argument("--no-forkserver", action="store_true", help="one fresh process per run (slower)")
    fuzz.add_argument(
        "--teardown-share",
        type=float,
        default=1.0,
        help="share of forked runs that end with the interpreter's full teardown (default 1); "
        "the rest skip the teardown of the interpreter and of what the child inherited: "
        "faster, blind to bugs that show only there (findings are confirmed fresh)",
    )
    fuzz.add_argument(
        "--no-gdb",
        action="store_true",
        help="do not re-run crashes under gdb for their native frames (used when gdb exists)",
    )
    fuzz.add_argument(
        "--no-minimize", action="store_true", help="do not minimize the new buckets at the end of the campaign"
    )
    fuzz.add_argument(
        "--minimize-time", default="2m", help="time to minimize each new bucket (default 2m; up to 4x for a rare one)"
    )
    fuzz.add_argument(
        "--programs", metavar="DIR", help="also run the .py files under DIR (seeds, reproducers), a share of the work"
    )
    fuzz.add_argument(
        "--programs-share",
        type=float,
        default=0.1,
        help="share of the work given to --programs (default 0.1; 1 runs only them)",
    )
    fuzz.add_argument(
        "--scheduler",
        metavar="tcp://HOST:8786",
        help="run the work on the Dask cluster of this scheduler (default: $TANDEM_SCHEDULER, "
        "then [cluster] scheduler in tandem.toml; none: --jobs local executors)",
    )
    _add_run_options(fuzz)
    fuzz.set_defaults(handler=cmd_fuzz)

    worker = commands.add_parser(
        "worker",
        help="serve a Dask scheduler's campaigns from this host (dask worker --nthreads 1, interpreters checked first)",
    )
    worker.add_argument("scheduler", metavar="tcp://HOST:8786", help="the Dask scheduler's address")
    worker.add_argument("--nworkers", type=int, help="executors on this host (default: number of CPUs)")
    worker.add_argument("--target", help="interpreter under test to check for (default: config or ft-debug)")
    worker.add_argument("--oracle", help="reference interpreter to check for (default: config or ft)")
    worker.set_defaults(handler=cmd_worker)

    triage = commands.add_parser(
        "triage", help="list campaigns' buckets (merged by signature), near duplicates grouped"
    )
    triage.add_argument("campaigns", nargs="+", metavar="CAMPAIGN", help="campaign directories (or their findings/)")
    triage.add_argument("--json", action="store_true")
    triage.set_defaults(handler=cmd_triage)

    reproduce = commands.add_parser("reproduce", help="re-run a case in fresh processes: reproduction rate")
    reproduce.add_argument("case", help="a .py/.json path (a finding's case) or a case id")
    reproduce.add_argument("-n", "--runs", type=int, default=50)
    reproduce.add_argument("--interpreters", help="comma-separated targets (each against the oracle)")
    reproduce.add_argument(
        "--native",
        action="store_true",
        help="then run it under gdb on each target and print the crashing thread's C frames",
    )
    _add_run_options(reproduce)
    reproduce.set_defaults(handler=cmd_reproduce)

    minimize = commands.add_parser("minimize", help="the smallest program with the same signature")
    minimize.add_argument("case", help="a finding's case .json/.py, any program, or a case id")
    minimize.add_argument("--out", help="file for the standalone reproducer (default: stdout)")
    minimize.add_argument("--tries", type=int, default=6, help="runs to measure the original rate")
    minimize.add_argument(
        "--fraction", type=float, default=0.5, help="keep a candidate at >= this fraction of the original rate"
    )
    minimize.add_argument("--max-time", default="15m", help="time budget")
    minimize.add_argument("--jobs", type=int, default=1, help="runs in flight at once (default 1)")
    _add_run_options(minimize)
    minimize.set_defaults(handler=cmd_minimize)

    bisect = commands.add_parser("bisect", help="the first build where a finding appears (and is fixed)")
    bisect.add_argument("case", help="a finding's case (it carries the signature) or a case id")
    bisect.add_argument("--interpreters", nargs="+", help="ordered builds, oldest first")
    bisect.add_argument("--source", help="a CPython git checkout")
    bisect.add_argument("--good", help="a revision without the bug")
    bisect.add_argument("--bad", help="a revision with the bug")
    bisect.add_argument(
        "--fixed",
        action="store_true",
        help="find where the bug went away: --bad is the older revision, --good the newer",
    )
    bisect.add_argument("--variant", default="ft-debug", choices=registry.VARIANTS, help="build of each revision")
    bisect.add_argument("-n", "--runs", type=int, default=10, help="runs per build")
    bisect.add_argument("--oracle", help="oracle for every step (default: each build against itself)")
    bisect.add_argument("--timeout", type=float, default=60.0)
    bisect.add_argument("--memory-limit", default="8G")
    bisect.set_defaults(handler=cmd_bisect)

    report = commands.add_parser("report", help="a finding as a Markdown bug report, or a campaign as HTML")
    report.add_argument("finding", help="a finding's case .json/.py, a case id, or a campaign directory")
    report.add_argument("--html", action="store_true", help="campaign directory: one static HTML page")
    report.add_argument("--out", help="file to write (default: stdout)")
    report.add_argument("--no-check", action="store_true", help="do not run the printed reproducer on the target build")
    _add_run_options(report)
    report.set_defaults(handler=cmd_report)

    generate = commands.add_parser("generate", help="write generated programs (and their scenario IR)")
    generate.add_argument("--family", action="append", help="family (repeatable; default: all)")
    generate.add_argument("--seed", type=int, default=0, help="first seed")
    generate.add_argument("--count", type=int, default=1, help="programs per family")
    generate.add_argument("--out", help="directory for <family>-<seed>.py/.json (default: print)")
    generate.add_argument("--target", help="capabilities of this interpreter (default: config target)")
    generate.add_argument("--oracle", help="and of this one")
    generate.add_argument(
        "--stats",
        action="store_true",
        help="print what the programs cover (interleave: the operation catalog, each operation "
        "paused and as a mutator); without --out, the programs are not printed",
    )
    generate.set_defaults(handler=cmd_generate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except TandemError as exc:
        err.print(f"tandem: error: {exc}", markup=False)
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.print("tandem: interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
