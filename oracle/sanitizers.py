"""Sanitizer builds: which variant carries which runtime, and the environment it runs in.

Shared by provisioning (make runs the new interpreter) and the executor (every run).
"""

from __future__ import annotations

import dataclasses
import os
import platform
import shlex
import shutil
from pathlib import Path

SANITIZER_OF_VARIANT = {"ft-tsan": "thread", "ft-asan": "address"}
# CPython's own suppressions, copied next to the installed build so they outlive the source.
SOURCE_SUPPRESSIONS = {"thread": "Tools/tsan/suppressions_free_threading.txt"}
SUPPRESSIONS_NAME = "tandem-{sanitizer}-suppressions.txt"
# Exit statuses the runtimes use when they reported something.  TSan's is 0: then it keeps
# the program's own status (it overrides it only with a non-zero code), which the diff
# compares with the oracle's; its reports are read from the log, not from the status.
# ASan stops the process at its report, so its status only has to be distinct.
EXIT_CODES = {"thread": 0, "address": 86}
LOG_NAME = "sanitizer"  # log_path=<run dir>/sanitizer -> sanitizer.<pid> per process
# gcc 12's TSan runtime maps its shadow at fixed places and aborts ("unexpected memory
# mapping") when the kernel randomizes more than 28 bits of mmap addresses.
TSAN_MAX_MMAP_RND_BITS = 28


def options(sanitizer: str, suppressions: Path | None, log_path: Path | None = None) -> dict[str, str]:
    """The *SAN_OPTIONS variable for one run.

    TSan goes on after a report (halt_on_error=0) so one run yields every race it has, not
    only the first; ASan cannot resume after a memory error anyway, so it stops at once.
    Leak reports are off: CPython leaks by design at exit and they would bury the rest."""
    if sanitizer == "thread":
        parts = [
            "halt_on_error=0",
            f"exitcode={EXIT_CODES['thread']}",
            "second_deadlock_stack=1",
            "report_signal_unsafe=0",
            "history_size=4",
        ]
        if suppressions is not None:
            parts.append(f"suppressions={suppressions}")
        if log_path is not None:
            parts.append(f"log_path={log_path}")
        return {"TSAN_OPTIONS": ":".join(parts)}
    if sanitizer == "address":
        parts = [
            "halt_on_error=1",
            f"exitcode={EXIT_CODES['address']}",
            "detect_leaks=0",
            "abort_on_error=0",
            "allocator_may_return_null=1",
            "handle_abort=1",
            "detect_stack_use_after_return=0",
        ]
        if suppressions is not None:
            parts.append(f"suppressions={suppressions}")
        if log_path is not None:
            parts.append(f"log_path={log_path}")
        return {"ASAN_OPTIONS": ":".join(parts), "LSAN_OPTIONS": "detect_leaks=0"}
    raise ValueError(f"unknown sanitizer {sanitizer!r}")


def suppressions_file(prefix: Path, sanitizer: str) -> Path | None:
    """The suppressions installed with a build (under its prefix), if any."""
    candidate = prefix / SUPPRESSIONS_NAME.format(sanitizer=sanitizer)
    return candidate if candidate.is_file() else None


def install_suppressions(source_tree: Path, prefix: Path, sanitizer: str) -> Path | None:
    """Copy CPython's suppressions for `sanitizer` into an installed build's prefix."""
    relative = SOURCE_SUPPRESSIONS.get(sanitizer)
    if relative is None or not (source_tree / relative).is_file():
        return None
    target = prefix / SUPPRESSIONS_NAME.format(sanitizer=sanitizer)
    shutil.copyfile(source_tree / relative, target)
    return target


def needs_fixed_layout(sanitizer: str) -> bool:
    """Whether runs must disable address-space randomization (see TSAN_MAX_MMAP_RND_BITS)."""
    if sanitizer != "thread":
        return False
    try:
        bits = int(Path("/proc/sys/vm/mmap_rnd_bits").read_text())
    except (OSError, ValueError):
        return False
    return bits > TSAN_MAX_MMAP_RND_BITS


def launcher_prefix(sanitizer: str) -> list[str]:
    """argv words to put before the interpreter: `setarch <arch> -R` where TSan needs it."""
    if needs_fixed_layout(sanitizer) and shutil.which("setarch"):
        return [shutil.which("setarch") or "setarch", platform.machine(), "-R"]
    return []


def build_environment(sanitizer: str | None, source_tree: Path) -> dict[str, str]:
    """Environment for configure/make of a sanitizer build: the build runs the new
    interpreter (to build modules and freeze), which must not fail on a leak report."""
    env = dict(os.environ)
    if sanitizer is not None:
        relative = SOURCE_SUPPRESSIONS.get(sanitizer)
        path = source_tree / relative if relative else None
        for name, value in options(sanitizer, path if path is not None and path.is_file() else None).items():
            env[name] = value.replace(f"exitcode={EXIT_CODES[sanitizer]}", "exitcode=0")
    return env


def prefix_of(interpreter_path: str) -> Path:
    """An installed build's prefix: <prefix>/bin/python3.X."""
    return Path(interpreter_path).resolve().parent.parent


def run_environment(sanitizer: str, interpreter_path: str, run_dir: Path) -> dict[str, str]:
    """What a run of a sanitizer build adds to its environment; reports go to run_dir."""
    return options(sanitizer, suppressions_file(prefix_of(interpreter_path), sanitizer), run_dir / LOG_NAME)


def read_logs(run_dir: Path) -> str:
    """Every process's report log of a run (the interpreter's and its children's), in pid order."""
    logs = sorted(run_dir.glob(f"{LOG_NAME}.*"), key=lambda p: (len(p.name), p.name))
    return "".join(p.read_text(errors="replace") for p in logs)


# -- reproducers -------------------------------------------------------------------------

CONFIGURE_FLAGS = {"thread": "--with-thread-sanitizer", "address": "--with-address-sanitizer"}
TOOL_NAMES = {"thread": "ThreadSanitizer", "address": "AddressSanitizer"}


@dataclasses.dataclass(frozen=True)
class StandaloneRun:
    """How a reproducer of a finding on a sanitizer build runs there as tandem ran it:
    the executor's *SAN_OPTIONS without its log file (reports go to stderr), the
    suppressions file of the build, and the launcher where this machine needs one."""

    sanitizer: str
    environment: tuple[tuple[str, str], ...]  # without suppressions (added where the file exists)
    suppressions: str  # the build's suppressions file, or ""
    interpreter: str  # the build's interpreter path
    launcher: tuple[str, ...] = ()  # `setarch <arch> -R` where the kernel needs it

    @property
    def tool(self) -> str:
        return TOOL_NAMES[self.sanitizer]

    @property
    def configure_flag(self) -> str:
        return CONFIGURE_FLAGS[self.sanitizer]

    def full_environment(self) -> dict[str, str]:
        env = dict(self.environment)
        if self.suppressions:
            name = next(iter(env))
            env[name] += f":suppressions={self.suppressions}"
        return env

    def command(self, filename: str) -> str:
        """The shell line that runs `filename` on the build with tandem's environment."""
        words = [f"{name}={shlex.quote(value)}" for name, value in self.full_environment().items()]
        return " ".join([*words, *map(shlex.quote, (*self.launcher, self.interpreter, filename))])


def standalone_run(sanitizer: str, interpreter_path: str) -> StandaloneRun:
    suppressions = suppressions_file(prefix_of(interpreter_path), sanitizer)
    return StandaloneRun(
        sanitizer,
        tuple(options(sanitizer, None).items()),
        str(suppressions) if suppressions else "",
        interpreter_path,
        tuple(launcher_prefix(sanitizer)),
    )
