"""JUnit and Cobertura parsing from realistic files; malformed and hostile files become warnings."""

from __future__ import annotations

import time
from pathlib import Path

from switchyard.runner import reports
from switchyard.runner.reports import find_reports, parse_cobertura, parse_junit

PYTEST_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests">
  <testsuite name="pytest" errors="1" failures="1" skipped="1" tests="5" time="0.412"
             timestamp="2024-05-02T10:11:12.345678+00:00" hostname="runner-1">
    <testcase classname="tests.test_math" name="test_add" file="tests/test_math.py" line="3" time="0.001" />
    <testcase classname="tests.test_math" name="test_div[0]" file="tests/test_math.py" line="9" time="0.002">
      <failure message="ZeroDivisionError: division by zero">def test_div(x):
&gt;       assert 1 / x
E       ZeroDivisionError: division by zero

tests/test_math.py:10: ZeroDivisionError</failure>
    </testcase>
    <testcase classname="tests.test_io" name="test_read" file="tests/test_io.py" line="4" time="0.010">
      <error message="failed on setup with &quot;FileNotFoundError&quot;">fixture 'db' raised</error>
    </testcase>
    <testcase classname="tests.test_io" name="test_windows" file="tests/test_io.py" line="20" time="0.000">
      <skipped type="pytest.skip" message="only on Windows">tests/test_io.py:20: only on Windows</skipped>
    </testcase>
    <testcase classname="tests.test_io" name="test_write" file="tests/test_io.py" line="30" time="0.399">
      <system-out>wrote 3 bytes</system-out>
    </testcase>
  </testsuite>
</testsuites>
"""

SUREFIRE_JUNIT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:noNamespaceSchemaLocation="https://maven.apache.org/surefire/maven-surefire-plugin/xsd/surefire-test-report-3.0.xsd"
    version="3.0" name="com.example.AppTest" time="1,234.5" tests="3" errors="0" skipped="0" failures="1">
  <properties>
    <property name="java.version" value="17.0.9"/>
    <property name="os.name" value="Linux"/>
  </properties>
  <testcase name="shouldAnswerWithTrue" classname="com.example.AppTest" time="0.004"/>
  <testcase name="parsesDates" classname="com.example.AppTest" time="1,234.4">
    <failure message="expected: &lt;2024&gt; but was: &lt;2023&gt;" type="org.opentest4j.AssertionFailedError">
      <![CDATA[org.opentest4j.AssertionFailedError: expected: <2024> but was: <2023>
	at com.example.AppTest.parsesDates(AppTest.java:31)]]>
    </failure>
    <system-out><![CDATA[parsing 2024-01-01]]></system-out>
  </testcase>
  <testcase name="ignored" classname="com.example.AppTest" time="0">
    <skipped/>
  </testcase>
</testsuite>
"""

COBERTURA = """<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage version="7.4.4" timestamp="1714644672123" lines-valid="120" lines-covered="90" line-rate="0.75"
          branches-covered="6" branches-valid="10" branch-rate="0.6" complexity="0">
  <sources><source>/home/build/project/src</source></sources>
  <packages>
    <package name="app" line-rate="0.75" branch-rate="0.6" complexity="0">
      <classes>
        <class name="core.py" filename="app/core.py" complexity="0" line-rate="0.8" branch-rate="0.5">
          <methods/>
          <lines>
            <line number="1" hits="1"/>
            <line number="2" hits="0" branch="true" condition-coverage="50% (1/2)" missing-branches="4"/>
          </lines>
        </class>
        <class name="util.py" filename="app/util.py" complexity="0" line-rate="0.5" branch-rate="1">
          <methods/>
          <lines><line number="1" hits="3"/></lines>
        </class>
      </classes>
    </package>
  </packages>
</coverage>
"""

LEGACY_COBERTURA = """<?xml version="1.0"?>
<coverage line-rate="0.5" branch-rate="0.25" version="1.9" timestamp="1">
  <packages><package name="lib" line-rate="0.5" branch-rate="0.25">
    <classes><class name="lib.Parser" filename="lib/Parser.java" line-rate="0.5" branch-rate="0.25">
      <methods><method name="parse" signature="()V" line-rate="0.5" branch-rate="0.25">
        <lines><line number="10" hits="4" branch="false"/></lines>
      </method></methods>
      <lines>
        <line number="10" hits="4" branch="false"/>
        <line number="11" hits="0" branch="true" condition-coverage="25% (1/4)"/>
      </lines>
    </class></classes>
  </package></packages>
</coverage>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<{root}><testsuite name="x">
  <testcase name="boom" classname="c"><failure message="&lol9;"/></testcase>
</testsuite></{root}>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE testsuite [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<testsuite name="x"><testcase name="leak" classname="c"><failure message="&xxe;"/></testcase></testsuite>
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_pytest_and_surefire_files_add_up(tmp_path):
    report = parse_junit(
        [write(tmp_path / "pytest.xml", PYTEST_JUNIT), write(tmp_path / "TEST-com.example.AppTest.xml", SUREFIRE_JUNIT)]
    )
    assert report.warnings == []
    assert report.files == 2
    assert report.summary() == {"total": 8, "passed": 3, "failed": 2, "errors": 1, "skipped": 2}
    assert report.time == round(0.001 + 0.002 + 0.010 + 0.0 + 0.399 + 0.004 + 1234.4 + 0.0, 3)

    by_name = {case.name: case for case in report.cases}
    div = by_name["test_div[0]"]
    assert (div.classname, div.file, div.time, div.result) == (
        "tests.test_math",
        "tests/test_math.py",
        0.002,
        "failure",
    )
    assert div.message == "ZeroDivisionError: division by zero"
    assert by_name["test_read"].result == "error"
    assert by_name["test_read"].message == 'failed on setup with "FileNotFoundError"'
    assert (by_name["test_windows"].result, by_name["test_windows"].message) == ("skipped", "only on Windows")
    assert (by_name["test_write"].result, by_name["test_write"].message) == ("success", None)

    dates = by_name["parsesDates"]
    assert (dates.classname, dates.file, dates.result) == ("com.example.AppTest", None, "failure")
    assert dates.message == "expected: <2024> but was: <2023>"
    assert dates.time == 1234.4
    assert by_name["ignored"].result == "skipped"
    assert by_name["ignored"].message is None


def test_counts_come_from_the_cases_not_the_claimed_totals(tmp_path):
    lying = '<testsuite name="s" tests="99" failures="50"><testcase name="a" classname="c" time="x"/></testsuite>'
    report = parse_junit([write(tmp_path / "lying.xml", lying)])
    assert report.summary() == {"total": 1, "passed": 1, "failed": 0, "errors": 0, "skipped": 0}
    assert report.cases[0].time == 0.0  # an unreadable time is not a reason to drop the case


def test_failure_message_falls_back_to_the_text_and_is_bounded(tmp_path):
    body = "AssertionError: " + "x" * 5000
    xml = f'<testsuite name="s"><testcase name="a"><failure>\n{body}\nstack</failure></testcase></testsuite>'
    report = parse_junit([write(tmp_path / "long.xml", xml)])
    message = report.cases[0].message
    assert message.startswith("AssertionError: xxx")
    assert len(message) <= reports.MAX_MESSAGE_CHARS + 1


def test_malformed_and_foreign_files_are_warnings(tmp_path):
    good = write(tmp_path / "good.xml", SUREFIRE_JUNIT)
    broken = write(tmp_path / "broken.xml", "<testsuite><testcase name='a'>")
    foreign = write(tmp_path / "pom.xml", "<project><modelVersion>4.0.0</modelVersion></project>")
    empty = write(tmp_path / "empty.xml", "")
    missing = tmp_path / "missing.xml"
    report = parse_junit([good, broken, foreign, empty, missing], root=tmp_path)
    assert report.files == 1 and report.total == 3
    assert len(report.warnings) == 4
    assert report.warnings[0].startswith("test report broken.xml ignored: malformed XML")
    assert "pom.xml ignored: not a JUnit report" in report.warnings[1]
    assert "empty.xml ignored: malformed XML" in report.warnings[2]
    assert "missing.xml ignored" in report.warnings[3]


def test_billion_laughs_is_refused_not_expanded(tmp_path):
    started = time.monotonic()
    junit = parse_junit([write(tmp_path / "lol.xml", BILLION_LAUGHS.format(root="testsuites"))])
    coverage = parse_cobertura([write(tmp_path / "lolcov.xml", BILLION_LAUGHS.format(root="coverage"))])
    assert time.monotonic() - started < 5
    assert junit.total == 0 and junit.cases == []
    assert len(junit.warnings) == 1 and "forbidden XML construct (EntitiesForbidden" in junit.warnings[0]
    assert coverage.files == 0 and len(coverage.warnings) == 1
    assert "EntitiesForbidden" in coverage.warnings[0]


def test_external_entities_are_refused(tmp_path):
    report = parse_junit([write(tmp_path / "xxe.xml", XXE)])
    assert report.cases == []
    assert "forbidden XML construct" in report.warnings[0]
    assert "root:" not in " ".join(report.warnings)


def test_oversized_report_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(reports, "MAX_REPORT_BYTES", 100)
    report = parse_junit([write(tmp_path / "big.xml", SUREFIRE_JUNIT)])
    assert report.files == 0
    assert "more than the 100 a report may have" in report.warnings[0]


def test_cobertura_totals_and_classes(tmp_path):
    report = parse_cobertura([write(tmp_path / "coverage.xml", COBERTURA)])
    assert report.warnings == []
    assert (report.lines_valid, report.lines_covered, report.branches_valid, report.branches_covered) == (
        120,
        90,
        10,
        6,
    )
    assert (report.line_rate, report.branch_rate) == (0.75, 0.6)
    assert [(c.name, c.filename, c.line_rate, c.branch_rate) for c in report.classes] == [
        ("core.py", "app/core.py", 0.8, 0.5),
        ("util.py", "app/util.py", 0.5, 1.0),
    ]
    assert report.summary()["line_rate"] == 0.75


def test_cobertura_without_counts_is_counted_from_its_lines_and_files_add_up(tmp_path):
    legacy = parse_cobertura([write(tmp_path / "legacy.xml", LEGACY_COBERTURA)])
    assert (legacy.lines_valid, legacy.lines_covered, legacy.branches_valid, legacy.branches_covered) == (2, 1, 4, 1)
    assert (legacy.line_rate, legacy.branch_rate) == (0.5, 0.25)

    both = parse_cobertura([tmp_path / "legacy.xml", write(tmp_path / "coverage.xml", COBERTURA)])
    assert (both.lines_valid, both.lines_covered) == (122, 91)
    assert both.line_rate == round(91 / 122, 4)
    assert both.branch_rate == round(7 / 14, 4)
    assert both.files == 2 and len(both.classes) == 3


def test_cobertura_hostile_values_and_wrong_roots(tmp_path):
    weird = '<coverage line-rate="NaN" branch-rate="7" lines-valid="-3" lines-covered="x"/>'
    report = parse_cobertura(
        [
            write(tmp_path / "weird.xml", weird),
            write(tmp_path / "junit.xml", SUREFIRE_JUNIT),
            write(tmp_path / "bad.xml", "<coverage"),
        ],
        root=tmp_path,
    )
    assert report.files == 1
    assert (report.lines_valid, report.line_rate, report.branch_rate) == (0, 0.0, 1.0)
    assert report.warnings == [
        "coverage report junit.xml ignored: the root element is <testsuite>, not <coverage>",
        report.warnings[1],
    ]
    assert report.warnings[1].startswith("coverage report bad.xml ignored: malformed XML")


def test_find_reports_walks_directories_and_stays_inside_the_root(tmp_path):
    ws = tmp_path / "ws"
    write(ws / "shippable/testresults/a.xml", PYTEST_JUNIT)
    write(ws / "shippable/testresults/nested/deeper/b.XML", SUREFIRE_JUNIT)
    write(ws / "shippable/testresults/notes.txt", "not a report")
    write(ws / "test-results/junit.xml", PYTEST_JUNIT)
    outside = write(tmp_path / "outside/secret.xml", PYTEST_JUNIT)
    (ws / "shippable/testresults/escape.xml").symlink_to(outside)
    (ws / "shippable/testresults/loop").symlink_to(ws / "shippable", target_is_directory=True)

    found = find_reports(ws, ["shippable/testresults", "test-results/junit.xml", "missing", "../outside", "/etc"])
    rel = [p.relative_to(ws.resolve()).as_posix() for p in found]
    assert rel == ["shippable/testresults/a.xml", "shippable/testresults/nested/deeper/b.XML", "test-results/junit.xml"]
    assert find_reports(ws, ["**/junit.xml", "shippable/testresults/a.xml"]) == [
        (ws / "shippable/testresults/a.xml").resolve(),
        (ws / "test-results/junit.xml").resolve(),
    ]
    assert parse_junit(found).total == 5 + 3 + 5
