"""Reports: a finding as Markdown in the shape of a CPython bug report."""

from __future__ import annotations

import json
from pathlib import Path

from oracle import store
from oracle.model import Interpreter


def markdown(case: store.CorpusCase, verdict: dict | None, interpreters: list[Interpreter],
             rates: dict[str, tuple[int, int]] | None = None) -> str:
    """Title, versions and build flags, minimal reproducer, observed output, signature, rate."""
    kind = case.expect.kind.value
    title = case.description or f"{kind} found by tandem"
    lines = [f"# {title}", "",
             f"Found by tandem (differential fuzzing of the free-threaded build): **{kind}**"
             + (f" on the {case.expect.side.value}" if case.expect.side else "") + ".", ""]
    lines += ["## Versions and build flags", ""]
    for interpreter in interpreters:
        flags = ["--disable-gil" if interpreter.free_threaded else "(GIL)"] + (["--with-pydebug"] if interpreter.debug else [])
        lines.append(f"- `{interpreter.name}`: CPython {interpreter.version} {' '.join(flags)} (`{interpreter.path}`)")
    lines += ["", "## Reproducer", "",
              "Save as `repro.py` and run it with the interpreter above (`python repro.py`). It needs no "
              "third-party package: a small shim of tandem's harness API comes first, then the program.", "",
              "```python", store.with_shim(case.source).rstrip(), "```", ""]
    if rates:
        lines += ["## Reproduction rate", ""]
        for name, (hits, runs) in rates.items():
            lines.append(f"- `{name}`: {hits}/{runs} runs ({hits / runs:.0%})")
        lines.append("")
    if verdict:
        lines += ["## Observed", ""]
        for side in ("target", "oracle"):
            observation = verdict.get(side) or {}
            crash = observation.get("crash")
            if crash:
                lines.append(f"- {side} ({observation.get('interpreter')}): {crash.get('headline')}")
                frames = crash.get("python_frames") or []
                if frames:
                    lines.append(f"  - top Python frames: {', '.join(frames[:5])}")
        for difference in verdict.get("differences", []):
            lines.append(f"- {difference['what']}: target `{difference['target']}`, oracle `{difference['oracle']}`")
        tail = ((verdict.get("target") or {}).get("stderr_tail") or "").strip()
        if tail:
            lines += ["", "stderr of the target (tail):", "", "```", *tail.splitlines()[-30:], "```"]
        lines.append("")
    lines += ["## Signature", "", f"`{case.signature or kind}`", ""]
    return "\n".join(lines)


def load_verdict(case: store.CorpusCase) -> dict | None:
    if case.path is None:
        return None
    path = Path(case.path).parent / "verdict.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
