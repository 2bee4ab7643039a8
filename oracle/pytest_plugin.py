"""pytest plugin: `pytest --tandem-corpus corpus/` makes every corpus case a test item.

Item names are the case ids with their tags (so `-k init_race` selects), tags become
markers, and pytest brings JUnit XML (--junitxml) and xdist for free.  Interpreters:
--tandem-target / --tandem-oracle (default: the config's), runs per case: --tandem-runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import interpreters as registry
from .errors import CorpusError
from .model import Limits
from .replay import replay_case
from .store import load_case


def pytest_addoption(parser):
    group = parser.getgroup("tandem")
    group.addoption(
        "--tandem-corpus",
        action="append",
        default=[],
        metavar="DIR",
        help="replay the tandem corpus cases under DIR as test items (repeatable)",
    )
    group.addoption("--tandem-target", help="target interpreter (default: tandem config)")
    group.addoption("--tandem-oracle", help="oracle interpreter (default: tandem config)")
    group.addoption("--tandem-runs", type=int, default=1, help="runs per case")
    group.addoption("--tandem-timeout", type=float, default=60.0, help="seconds per run")


def pytest_configure(config):
    config.addinivalue_line("markers", "tandem_case: a replayed tandem corpus case")
    for directory in config.getoption("tandem_corpus"):
        if str(Path(directory)) not in map(str, map(Path, config.args)):
            config.args.append(directory)


def _corpus_roots(config) -> list[Path]:
    return [Path(d).resolve() for d in config.getoption("tandem_corpus")]


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix not in (".json", ".py"):
        return None
    roots = _corpus_roots(parent.config)
    if not any(root in file_path.resolve().parents for root in roots):
        return None
    if file_path.suffix == ".json":
        return CorpusFile.from_parent(parent, path=file_path)
    if not file_path.with_suffix(".json").exists():  # a program without metadata is an error
        return CorpusFile.from_parent(parent, path=file_path.with_suffix(".json"))
    return None


def pytest_ignore_collect(collection_path: Path, config):
    # Corpus programs are not test modules: never import them as such.
    roots = _corpus_roots(config)
    if collection_path.suffix == ".py" and any(root in collection_path.resolve().parents for root in roots):
        return collection_path.with_suffix(".json").exists() or None
    return None


class CorpusFile(pytest.File):
    def collect(self):
        try:
            case = load_case(self.path)
        except CorpusError as exc:
            yield CorpusError_Item.from_parent(self, name=self.path.stem, error=str(exc))
            return
        name = case.id + (f"[{','.join(case.tags)}]" if case.tags else "")
        item = CorpusItem.from_parent(self, name=name, case=case)
        item.add_marker("tandem_case")
        for tag in case.tags:
            marker = tag.replace("-", "_")
            self.config.addinivalue_line("markers", f"{marker}: tandem corpus tag")
            item.add_marker(marker)
        yield item


_pairs: dict = {}


def _interpreters(config):
    key = (config.getoption("tandem_target"), config.getoption("tandem_oracle"))
    if key not in _pairs:
        settings = registry.load_config()
        _pairs[key] = (
            registry.resolve(key[0] or settings.target, settings),
            registry.resolve(key[1] or settings.oracle, settings),
        )
    return _pairs[key]


class CorpusItem(pytest.Item):
    def __init__(self, *, case, **kwargs):
        super().__init__(**kwargs)
        self.case = case

    def runtest(self):
        target, oracle = _interpreters(self.config)
        result = replay_case(
            self.case,
            target,
            oracle,
            Limits(deadline=self.config.getoption("tandem_timeout")),
            self.config.getoption("tandem_runs"),
        )
        if result.status == "fail":
            raise CaseFailed(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseFailed):
            result = excinfo.value.result
            return f"expected {result.expected}, got {result.observed}\n{result.detail}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"tandem case {self.case.id}"


class CorpusError_Item(pytest.Item):
    def __init__(self, *, error, **kwargs):
        super().__init__(**kwargs)
        self.error = error

    def runtest(self):
        raise CorpusError(self.error)

    def repr_failure(self, excinfo, style=None):
        return self.error


class CaseFailed(Exception):
    def __init__(self, result):
        super().__init__(result.case_id)
        self.result = result
