"""Test (JUnit XML) and coverage (Cobertura XML) reports, read without trusting the files a build wrote."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
from defusedxml.common import DefusedXmlException
from junitparser import Attr, Error, Failure, JUnitXml, JUnitXmlError, Skipped, TestCase, TestSuite

# Reports are parsed in memory: a bigger file is refused rather than risk the runner's memory.
MAX_REPORT_BYTES = 64 * 1024 * 1024
MAX_MESSAGE_CHARS = 2000
_GLOB_CHARS = re.compile(r"[*?\[]")
_CONDITION = re.compile(r"\((\d+)\s*/\s*(\d+)\)")


@dataclass
class TestCaseResult:
    __test__ = False  # not a pytest class, whatever its name

    classname: str
    name: str
    file: str | None
    time: float
    result: str  # success | failure | error | skipped
    message: str | None = None


class _Summarised:
    """A report whose headline figures a Job keeps, as a dict in the order `SUMMARY_FIELDS` names them."""

    SUMMARY_FIELDS: ClassVar[tuple[str, ...]] = ()

    def summary(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.SUMMARY_FIELDS}


@dataclass
class TestReport(_Summarised):
    """Kept as `Job.tests`."""

    __test__ = False
    SUMMARY_FIELDS = ("total", "passed", "failed", "errors", "skipped")

    total: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    time: float = 0.0
    files: int = 0
    cases: list[TestCaseResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class CoverageClass:
    name: str
    filename: str
    line_rate: float | None
    branch_rate: float | None


@dataclass
class CoverageReport(_Summarised):
    """Kept as `Job.coverage`."""

    SUMMARY_FIELDS = ("line_rate", "branch_rate", "lines_valid", "lines_covered", "branches_valid", "branches_covered")

    line_rate: float = 0.0
    branch_rate: float = 0.0
    lines_valid: int = 0
    lines_covered: int = 0
    branches_valid: int = 0
    branches_covered: int = 0
    files: int = 0
    classes: list[CoverageClass] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Case(TestCase):
    file = Attr()  # pytest (xunit1) writes it; junitparser's TestCase does not declare it


class _Suite(TestSuite):
    testcase = _Case


class _JUnit(JUnitXml):
    testsuite = _Suite


def find_reports(root: Path, patterns: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The `*.xml` files the patterns name under `root`: a directory (searched recursively), a file or a glob.

    Nothing outside `root` is returned, whether reached by `..`, an absolute path or a symlink.
    """
    base = Path(root).resolve()
    found: set[Path] = set()
    for pattern in patterns:
        text = os.fspath(pattern)
        if _GLOB_CHARS.search(text) and not os.path.isabs(text):
            try:
                candidates = list(base.glob(text))
            except (ValueError, NotImplementedError, OSError):
                candidates = []
        else:
            candidates = [base / text]
        for candidate in candidates:
            found.update(_xml_files(base, candidate))
    return sorted(found)


def _xml_files(base: Path, candidate: Path) -> Iterable[Path]:
    target = _inside(base, candidate)
    if target is None:
        return
    if target.is_file():
        if target.suffix.lower() == ".xml":
            yield target
        return
    for dirpath, _dirs, names in os.walk(target):  # followlinks=False: no symlink loops, no escapes
        for name in names:
            if name.lower().endswith(".xml"):
                path = _inside(base, Path(dirpath, name))
                if path is not None and path.is_file():
                    yield path


def _inside(base: Path, path: Path) -> Path | None:
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return None
    return resolved if resolved == base or resolved.is_relative_to(base) else None


def parse_junit(paths: Iterable[Path], *, root: Path | None = None) -> TestReport:
    """Every test case of the JUnit files; a file that cannot be read becomes a warning, never an exception."""
    report = TestReport()
    for path in paths:
        label = _label(path, root)
        try:
            _check_size(path)
            xml = _JUnit.fromfile(str(path), parse_func=safe_et.parse)
            cases = [_case_result(case) for suite in xml for case in suite]
        except Exception as exc:  # a hostile file may break the parser in any way: report it, go on
            report.warnings.append(f"test report {label} ignored: {_reason(exc)}")
            continue
        report.files += 1
        for case in cases:
            report.cases.append(case)
            report.total += 1
            report.time += case.time
            if case.result == "failure":
                report.failed += 1
            elif case.result == "error":
                report.errors += 1
            elif case.result == "skipped":
                report.skipped += 1
            else:
                report.passed += 1
    report.time = round(report.time, 3)
    return report


def _case_result(case: _Case) -> TestCaseResult:
    results = case.result
    outcome, message = "success", None
    for kind, label in ((Error, "error"), (Failure, "failure"), (Skipped, "skipped")):
        found = next((r for r in results if isinstance(r, kind)), None)
        if found is not None:
            outcome, message = label, _message(found.message, found.text)
            break
    try:
        seconds = case.time or 0.0
    except ValueError:
        seconds = 0.0
    if not math.isfinite(seconds) or seconds < 0:
        seconds = 0.0
    return TestCaseResult(
        classname=case.classname or "",
        name=case.name or "",
        file=case.file or None,
        time=seconds,
        result=outcome,
        message=message,
    )


def _message(attribute: str | None, text: str | None) -> str | None:
    value = attribute or (text.strip().split("\n", 1)[0] if text and text.strip() else None)
    if value and len(value) > MAX_MESSAGE_CHARS:
        value = value[:MAX_MESSAGE_CHARS] + "…"
    return value


def parse_cobertura(paths: Iterable[Path], *, root: Path | None = None) -> CoverageReport:
    """Coverage summed over the Cobertura files; a file that cannot be read becomes a warning, never an exception."""
    report = CoverageReport()
    reported_rates: list[tuple[float | None, float | None]] = []
    for path in paths:
        label = _label(path, root)
        try:
            _check_size(path)
            element = safe_et.parse(str(path)).getroot()
            if element.tag != "coverage":
                raise ValueError(f"the root element is <{element.tag}>, not <coverage>")
            counts, rates, classes = _coverage_file(element)
        except Exception as exc:  # a hostile file may break the parser in any way: report it, go on
            report.warnings.append(f"coverage report {label} ignored: {_reason(exc)}")
            continue
        report.files += 1
        report.lines_valid += counts[0]
        report.lines_covered += counts[1]
        report.branches_valid += counts[2]
        report.branches_covered += counts[3]
        report.classes.extend(classes)
        reported_rates.append(rates)
    report.line_rate = _overall(report.lines_covered, report.lines_valid, [r[0] for r in reported_rates])
    report.branch_rate = _overall(report.branches_covered, report.branches_valid, [r[1] for r in reported_rates])
    return report


def _coverage_file(
    element: Element,
) -> tuple[tuple[int, int, int, int], tuple[float | None, float | None], list[CoverageClass]]:
    classes = [
        CoverageClass(
            name=cls.get("name", ""),
            filename=cls.get("filename", ""),
            line_rate=_rate(cls.get("line-rate")),
            branch_rate=_rate(cls.get("branch-rate")),
        )
        for cls in element.iter("class")
    ]
    declared = [_count(element.get(k)) for k in ("lines-valid", "lines-covered", "branches-valid", "branches-covered")]
    # Older writers give only the rates: then count the <line> elements.
    counts = _count_lines(element) if None in declared else tuple(v or 0 for v in declared)
    rates = (_rate(element.get("line-rate")), _rate(element.get("branch-rate")))
    return counts, rates, classes  # type: ignore[return-value]


def _count_lines(element: Element) -> tuple[int, int, int, int]:
    lines_valid = lines_covered = branches_valid = branches_covered = 0
    for cls in element.iter("class"):
        lines = cls.find("lines")  # a class's own lines; the ones under <methods> repeat them
        for line in lines if lines is not None else ():
            if line.tag != "line":
                continue
            lines_valid += 1
            if (_count(line.get("hits")) or 0) > 0:
                lines_covered += 1
            condition = _CONDITION.search(line.get("condition-coverage", ""))
            if line.get("branch") == "true" and condition:
                covered, valid = int(condition.group(1)), int(condition.group(2))
                branches_valid += valid
                branches_covered += min(covered, valid)
    return lines_valid, lines_covered, branches_valid, branches_covered


def _overall(covered: int, valid: int, reported: list[float | None]) -> float:
    if valid > 0:
        return round(covered / valid, 4)
    known = [r for r in reported if r is not None]
    return round(sum(known) / len(known), 4) if known else 0.0


def _rate(value: str | None) -> float | None:
    try:
        rate = float(value) if value is not None else None
    except ValueError:
        return None
    if rate is None or not math.isfinite(rate):
        return None
    return min(max(rate, 0.0), 1.0)


def _count(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return int(number)


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_REPORT_BYTES:
        raise ValueError(f"{size} bytes, more than the {MAX_REPORT_BYTES} a report may have")


def _label(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(Path(path).resolve().relative_to(Path(root).resolve()))
        except (ValueError, OSError):
            pass
    return str(path)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, DefusedXmlException):
        return f"forbidden XML construct ({type(exc).__name__}: DTD entities and external references are refused)"
    if isinstance(exc, ParseError):
        return f"malformed XML ({exc})"
    if isinstance(exc, JUnitXmlError):
        return "not a JUnit report (the root element must be <testsuites> or <testsuite>)"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc) or type(exc).__name__
