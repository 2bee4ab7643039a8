"""Reports: a finding as Markdown in the shape of a CPython bug report."""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

from tandem.oracle import campaign_dir, store
from tandem.oracle.model import Bucket, Interpreter, declared_env


@dataclasses.dataclass(frozen=True)
class Build:
    """An interpreter as the report names it: what it was when the finding was seen."""

    role: str  # "target" or "oracle"
    name: str
    version: str
    flags: str  # "--disable-gil --with-pydebug", or "" when unknown
    path: str = ""

    @staticmethod
    def of(role: str, interpreter: Interpreter) -> Build:
        flags = ["--disable-gil" if interpreter.free_threaded else "(GIL)"] + (
            ["--with-pydebug"] if interpreter.debug else []
        )
        return Build(role, interpreter.name, interpreter.version, " ".join(flags), interpreter.path)


@dataclasses.dataclass(frozen=True)
class Check:
    """The printed reproducer, run by `tandem report` on the campaign's builds until it
    shows the finding (at most a few runs, fitting its rate)."""

    build: str  # "ft-debug vs ft"
    kind: str  # the last run's verdict
    reproduced: bool
    runs: int = 1


def markdown(
    case: store.CorpusCase,
    verdict: dict | None,
    builds: list[Build],
    rates: dict[str, tuple[int, int]] | None = None,
    source: str | None = None,
    seen_in: str = "",
    check: Check | None = None,
    minimized: tuple[int, int | None] | None = None,  # lines before and after (Bucket.minimized_lines)
    bisect: dict | None = None,
) -> str:
    """Title, versions and build flags, reproducer (and whether it was checked), rate,
    observed output, native backtrace, signature."""
    from tandem.oracle.rates import describe_rate

    kind = case.expect.kind.value
    title = case.description or f"{kind} found by tandem"
    lines = [
        f"# {title}",
        "",
        f"Found by tandem (differential fuzzing of the free-threaded build): **{kind}**"
        + (
            (" on both sides" if case.expect.side.value == "both" else f" on the {case.expect.side.value}")
            if case.expect.side
            else ""
        )
        + ".",
        "",
    ]
    lines += ["## Versions and build flags", ""]
    if seen_in:
        lines += [f"Seen in {seen_in}.", ""]
    for build in builds:
        lines.append(
            f"- {build.role} `{build.name}`: CPython {build.version}"
            + (f" {build.flags}" if build.flags else "")
            + (f" (`{build.path}`)" if build.path else "")
        )
    source = case.source if source is None else source
    env = " ".join(f"{name}={value}" for name, value in declared_env(source))
    command = f"{env} python repro.py" if env else "python repro.py"
    uses = store.harness_functions(source)
    lines += [
        "",
        "## Reproducer",
        "",
        f"Save as `repro.py` and run it with the target interpreter (`{command}`). "
        + (
            f"A short shim of the tandem harness functions it calls ({', '.join(uses)}) comes first."
            if uses
            else "It is the program as it is: it calls no tandem harness function."
        )
        + (f" Minimized by the campaign from {minimized[0]} to {minimized[1]} lines." if minimized else ""),
        "",
        "```python",
        store.with_shim(source).rstrip(),
        "```",
        "",
    ]
    if check is not None:
        tried = "once" if check.runs == 1 else f"{check.runs} times"
        lines += [
            f"Checked: this reproducer, run {tried} on `{check.build}` while writing this report, gave "
            f"**{check.kind}**"
            + (" the last time" if check.runs > 1 else "")
            + ": "
            + ("it reproduced." if check.reproduced else "it did not reproduce in those runs (see the rate below)."),
            "",
        ]
    if rates:
        lines += ["## Reproduction rate", ""]
        for name, (hits, runs) in rates.items():
            lines.append(f"- {name}: {describe_rate(hits, runs)}")
        lines.append("")
    if verdict:
        lines += ["## Observed", ""]
        for side in ("target", "oracle"):
            observation = verdict.get(side) or {}
            crash = observation.get("crash")
            if crash:
                lines.append(f"- {side} ({observation.get('interpreter')}): {crash.get('headline')}")
                native = crash.get("native_frames") or []
                if native:
                    lines.append(f"  - top native frames: {', '.join(native[:5])}")
                frames = crash.get("python_frames") or []
                if frames:
                    lines.append(f"  - top Python frames: {', '.join(frames[:5])}")
        for difference in verdict.get("differences", []):
            lines.append(f"- {difference['what']}: target `{difference['target']}`, oracle `{difference['oracle']}`")
        tail = ((verdict.get("target") or {}).get("stderr_tail") or "").strip()
        if tail:
            lines += ["", "stderr of the target (tail):", "", "```", *tail.splitlines()[-30:], "```"]
        lines.append("")
    backtrace = _native_backtrace(case)
    if backtrace:
        lines += ["## Native backtrace (gdb, crashing thread)", "", "```", *backtrace.splitlines()[:40], "```", ""]
    if bisect:
        lines += [
            "## Bisection (tandem bisect)",
            "",
            f"- first build where it appears: {bisect.get('first_bad') or 'not found'}",
            f"- first build where it is fixed: {bisect.get('first_fixed') or 'not found'}",
            "",
        ]
    lines += ["## Signature", "", f"`{case.signature or kind}`", ""]
    return "\n".join(lines)


def _native_backtrace(case: store.CorpusCase) -> str:
    """native.txt next to a finding's case (written by the campaign from gdb), if any."""
    return campaign_dir.read_native(Path(case.path).parent) if case.path is not None else ""


def load_verdict(case: store.CorpusCase) -> dict | None:
    return campaign_dir.read_verdict(Path(case.path).parent) if case.path is not None else None


def finding_context(case: store.CorpusCase) -> tuple[Bucket | None, campaign_dir.CampaignInfo | None, Path | None]:
    """The bucket a finding's case belongs to, and the campaign (what it ran, where)."""
    bucket = campaign_dir.read_bucket(Path(case.path).parent) if case.path is not None else None
    if bucket is None:
        return None, None, None
    campaign = Path(bucket.campaign)
    info = campaign_dir.read_info(campaign) if campaign_dir.is_campaign(campaign) else None
    return bucket, info, campaign if info else None


# -- campaign page -----------------------------------------------------------------------


def _svg_chart(element_id: str, title: str, points: list[tuple[float, float]], unit: str) -> str:
    """A self-contained SVG line chart (no scripts, no external resources)."""
    width, height, pad = 560, 200, 40
    if not points:
        points = [(0.0, 0.0)]
    max_x = max(x for x, _ in points) or 1.0
    max_y = max(y for _, y in points) or 1.0
    scaled = [(pad + (width - 2 * pad) * x / max_x, height - pad - (height - 2 * pad) * y / max_y) for x, y in points]
    polyline = " ".join(f"{x:.1f},{y:.1f}" for x, y in scaled)
    return (
        f'<figure id="{element_id}"><figcaption>{html.escape(title)}</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(title)}">'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#888"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#888"/>'
        f'<polyline fill="none" stroke="#3465a4" stroke-width="2" points="{polyline}"/>'
        f'<text x="{pad}" y="{pad - 8}" font-size="11">{max_y:.2f} {html.escape(unit)}</text>'
        f'<text x="{width - pad}" y="{height - pad + 16}" font-size="11" text-anchor="end">'
        f"{max_x:.0f} s</text></svg></figure>"
    )


def campaign_html(campaign: Path) -> str:
    """One static HTML page for a campaign directory: summary, plots, buckets (findings,
    flaky and unconfirmed alike), families."""
    from tandem.oracle.rates import describe_rate

    info = campaign_dir.read_info(campaign)
    records = campaign_dir.read_stats(campaign)
    last = records[-1] if records else {}
    buckets = campaign_dir.load_buckets(campaign) if (campaign / campaign_dir.FINDINGS).is_dir() else []
    esc = html.escape

    def reproducer(b) -> str:
        text = f"{esc(str(b.smallest or '-'))} ({b.smallest_lines or '-'} lines)"
        if b.minimized:
            text += f"; minimized {esc(b.minimized)} ({b.minimized_lines} lines)"
        return text

    rows = "".join(
        f'<tr class="{esc(b.status)}"><td>{esc(b.identifier)}</td><td>{esc(b.kind)}</td><td>{esc(b.side)}</td>'
        f"<td>{esc(b.status)}</td><td>{b.count}</td><td>{esc(b.first_seen)}</td>"
        f"<td>{esc(describe_rate(b.hits, b.runs))}</td><td>{reproducer(b)}</td>"
        f"<td><code>{esc(b.signature)}</code></td></tr>"
        for b in sorted(buckets, key=lambda b: (b.status == "unconfirmed", b.first_seen))
    )
    sanitizer_rows = "".join(
        f'<tr class="sanitizer"><td>{esc(b.identifier)}</td><td>{esc(b.kind)}</td>'
        f"<td><pre>{esc(campaign_dir.read_sanitizer(Path(b.path)) or '(no report kept)')}</pre></td></tr>"
        for b in sorted(buckets, key=lambda b: b.first_seen)
        if b.kind in ("data_race", "memory_error")
    )
    sanitizer_section = (
        "<h2>Sanitizer buckets</h2>\n<p>Each race with its two racing stacks, the racing memory's allocation"
        " and the threads' creation points; each memory error with its access, free and allocation stacks."
        f"{' Known races (not bucketed): ' + str(last.get('known_races')) if last.get('known_races') else ''}</p>\n"
        f'<table id="sanitizer"><tr><th>bucket</th><th>kind</th><th>stacks</th></tr>{sanitizer_rows}</table>'
        if sanitizer_rows or last.get("known_races")
        else ""
    )
    counts = {status: sum(b.status == status for b in buckets) for status in ("confirmed", "flaky", "unconfirmed")}
    families = "".join(
        f"<tr><td>{esc(k)}</td><td>{v}</td></tr>" for k, v in sorted((last.get("per_family") or {}).items())
    )
    verdicts = ", ".join(f"{esc(k)} {v}" for k, v in sorted((last.get("verdicts") or {}).items()))
    charts = [
        _svg_chart("runs-chart", "runs per second", [(r["elapsed"], r["runs_per_second"]) for r in records], "runs/s"),
        _svg_chart("findings-chart", "finding buckets", [(r["elapsed"], r["buckets"]) for r in records], "buckets"),
        _svg_chart(
            "coverage-chart",
            "coverage (distinct outcomes)",
            [(r["elapsed"], r["coverage"]) for r in records],
            "outcomes",
        ),
    ]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>tandem campaign {esc(str(campaign.name))}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:13px}}figure{{display:inline-block;margin:0 1em 1em 0}}
code{{font-size:12px}}</style></head><body>
<h1>tandem campaign</h1>
<section id="summary"><p>target <b>{esc(info.target)}</b> ({esc(info.target_version)})
against oracle <b>{esc(info.oracle)}</b> ({esc(info.oracle_version)});
families {esc(", ".join(info.families))}; seed {info.seed}.</p>
<p>{last.get("runs", 0)} runs in {last.get("elapsed", 0):.0f} s ({last.get("runs_per_second", 0):.2f}/s);
verdicts: {verdicts or "none"}; {counts["confirmed"] + counts["flaky"]} finding bucket(s) ({counts["flaky"]} flaky),
<span id="unconfirmed-count">{counts["unconfirmed"]} unconfirmed</span>; coverage {last.get("coverage", 0)} outcomes,
{last.get("specializations", 0)} specializations.</p></section>
<section id="charts">{"".join(charts)}</section>
<h2>Finding buckets</h2>
<p>Unconfirmed: divergences no re-run showed again (listed last).</p>
<table id="buckets"><tr><th>bucket</th><th>kind</th><th>side</th><th>status</th><th>count</th><th>first seen</th>
<th>rate (95% CI)</th>
<th>smallest reproducer</th><th>signature</th></tr>{rows}</table>
{sanitizer_section}
<h2>Families</h2>
<table id="families"><tr><th>family</th><th>runs</th></tr>{families}</table>
</body></html>
"""
