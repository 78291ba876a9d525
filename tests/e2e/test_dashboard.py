"""The dashboard in headless Chromium against `switchyard serve`; screenshots of each stage in test-artifacts/."""

from __future__ import annotations

import json
import tarfile
from itertools import pairwise

import pytest
import requests

from tests.browser import Screenshots, start_chromium, wait_until
from tests.builds import cobertura, make_repo
from tests.conftest import Stack

SHIPPABLE_YML = """\
build:
  ci:
    - echo "compiling widgets"
    - for i in 1 2 3 4; do echo "widget $i of 4"; sleep 1; done
    - printf '\\033[1;32mall widgets built\\033[0m\\n'
    - echo '<b>not bold</b> & <img src=x onerror=alert(1)>'
    - mkdir -p shippable/testresults shippable/codecoverage
    - cp junit.xml shippable/testresults/ && cp coverage.xml shippable/codecoverage/
archive: true
"""
JUNIT_PASSING = ('<testsuite name="widgets"><testcase classname="widgets.Build" name="builds_one"/>'
                 '<testcase classname="widgets.Build" name="builds_many"/>'
                 '<testcase classname="widgets.Build" name="later"><skipped/></testcase></testsuite>')
JUNIT_FAILING = ('<testsuite name="widgets"><testcase classname="widgets.Build" name="builds_one"/>'
                 '<testcase classname="widgets.Build" name="breaks" file="widgets.py">'
                 '<failure message="expected 2 widgets, got 3">AssertionError</failure></testcase>'
                 '<testcase classname="widgets.Build" name="builds_many"/></testsuite>')
COBERTURA = cobertura("widgets", "widgets", "widgets.py")
SLOW_YML = "build:\n  ci:\n    - echo waiting to be canceled\n    - sleep 120\n"

STATE_JS = """
const badge = document.querySelector('#job-status .badge');
const pre = document.getElementById('console');
return [badge ? badge.dataset.status : null, pre ? pre.textContent : ''];
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A stack with two runners, an account, and its project on a real repository with three branches."""
    base = tmp_path_factory.mktemp("dashboard")
    stack = Stack(base / "data", runners=2).start()
    try:
        repo = base / "repo"
        make_repo(repo, {"shippable.yml": SHIPPABLE_YML, "junit.xml": JUNIT_PASSING, "coverage.xml": COBERTURA})
        make_repo(repo, {"junit.xml": JUNIT_FAILING}, branch="flaky", message="a flaky test")
        make_repo(repo, {"shippable.yml": SLOW_YML}, branch="slow", message="slow")
        account = stack.admin().post(f"{stack.url}/accounts", json={"login": "dana"}).json()
        project = Stack.session(account["apiToken"]).post(
            f"{stack.url}/projects",
            json={"repositoryProvider": "github", "fullName": "dana/widgets", "cloneUrl": f"file://{repo}",
                  "sourceDefaultBranch": "main"},
        ).json()
        yield {"stack": stack, "token": account["apiToken"], "project": project}
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(tmp_path_factory, downloads):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"), downloads)
    try:
        yield driver
    finally:
        driver.quit()


def _by_css(driver, selector):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def _click(driver, selector, timeout=30):
    """Click the first match once it exists; a poll may re-render it between finding and clicking."""
    from selenium.common.exceptions import StaleElementReferenceException

    def clicked():
        found = _by_css(driver, selector)
        try:
            return bool(found) and (found[0].click() or True)
        except StaleElementReferenceException:
            return False

    wait_until(clicked, timeout, f"{selector} to click")


def _text(driver, selector):
    """The rendered text of the first match, read in one step (polls re-render parts of the page)."""
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : ''",
                                 selector)


def _open(driver, world, route):
    """Open a dashboard route signed in as the world's account (as the sign-in form leaves the tab)."""
    url = world["stack"].url
    driver.get(f"{url}/ui/#/login")
    wait_until(lambda: _by_css(driver, "#token"), 15, "the dashboard")
    driver.execute_script("sessionStorage.setItem('switchyard.token', arguments[0]);"
                          "sessionStorage.setItem('switchyard.api', arguments[1]);", world["token"], url)
    driver.get(f"{url}/ui/#{route}")


def _job_status(driver):
    return driver.execute_script(STATE_JS)[0]


@pytest.mark.stack
def test_trigger_a_build_and_watch_it_live(world, browser, downloads):
    from selenium.webdriver.common.by import By

    stack, shots = world["stack"], Screenshots(browser, "dashboard")
    browser.get(f"{stack.url}/ui")
    wait_until(lambda: _by_css(browser, "#token"), 15, "the sign-in form")
    assert "#/login" in browser.current_url
    shots.take("sign-in")

    browser.find_element(By.ID, "token").send_keys("sy_not_a_token")
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_until(lambda: "not valid" in _text(browser, "#login-error"), 15, "the refused token's message")
    browser.get_log("browser")  # the refused token's 401; from here on the page should log no error
    browser.find_element(By.ID, "token").clear()
    browser.find_element(By.ID, "token").send_keys(world["token"])
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_until(lambda: _by_css(browser, "a.project-link"), 15, "the project list")
    assert _text(browser, "a.project-link") == "dana/widgets" and "never built" in _text(browser, "#project-table")
    assert "Signed in as dana" in _text(browser, "#nav")
    assert browser.execute_script("return sessionStorage.getItem('switchyard.token')") == world["token"]
    shots.take("projects")

    _click(browser, "a.project-link")
    wait_until(lambda: "No builds yet" in _text(browser, "#builds"), 15, "the project page")
    shots.take("project")
    browser.find_element(By.ID, "trigger").click()
    wait_until(lambda: "#/builds/" in browser.current_url, 15, "the build page")
    build_id = browser.current_url.rsplit("/", 1)[1]
    wait_until(lambda: _by_css(browser, "a.job-link"), 30, "the build's job")
    shots.take("build")
    _click(browser, "a.job-link")

    # the console fills while the job runs: several growing reads, all before the job ended
    seen_while_running: list[str] = []

    def finished():
        status, text = browser.execute_script(STATE_JS)
        if status == "processing" and text and (not seen_while_running or text != seen_while_running[-1]):
            seen_while_running.append(text)
            if len(seen_while_running) == 2:
                shots.take("console-live")
        return status not in (None, "waiting", "queued", "processing") and status

    assert wait_until(finished, 60, "the job to end", interval=0.2) == "success"
    assert len(seen_while_running) >= 2, seen_while_running
    assert "compiling widgets" in seen_while_running[0] and "all widgets built" not in seen_while_running[0]
    assert all(b.startswith(a) for a, b in pairwise(seen_while_running))
    wait_until(lambda: "3 tests" in _text(browser, "#test-summary"), 15, "the test report")
    shots.take("job-success")

    console = browser.find_element(By.ID, "console").get_attribute("textContent")
    assert "widget 4 of 4" in console and "job ended: success" in console
    # ANSI colours render as classes, and what the build printed is text, never markup
    [green] = _by_css(browser, "#console span.sgr-fg-2")
    assert green.text == "all widgets built" and "sgr-bold" in green.get_attribute("class")
    assert green.value_of_css_property("color") == "rgba(74, 222, 128, 1)"
    assert "<b>not bold</b> & <img src=x onerror=alert(1)>" in console
    assert _by_css(browser, "#console b, #console img") == []
    assert "\x1b" not in console, [line for line in console.splitlines() if "\x1b" in line]
    assert "\x1b[1;32m" not in console and "all widgets built\n" in console
    assert _text(browser, "#test-summary") == "3 tests: 2 passed, 0 failed, 1 skipped"
    assert "Lines 75% (3 of 4), branches 50% (1 of 2)" in _text(browser, "#coverage-summary")
    assert "widgets.py" in _text(browser, "#coverage-classes")

    # the artifact button downloads the job's shippable/ folder through its presigned URL
    _click(browser, "#job-actions .artifact-download", 15)
    tarball = wait_until(lambda: next(iter(downloads.glob("*.tar.gz")), None), 15, "the artifact download")
    wait_until(lambda: not list(downloads.glob("*.crdownload")), 15, "the download to finish")
    with tarfile.open(tarball, mode="r:gz") as tar:
        assert "testresults/junit.xml" in tar.getnames()

    # the build page shows the job finished, with its tests counted
    browser.get(f"{stack.url}/ui/#/builds/{build_id}")
    wait_until(lambda: "Success" in _text(browser, "#build-status"), 15, "the finished build")
    assert "3 tests: 2 passed, 0 failed, 1 skipped" in _text(browser, "#job-table")
    assert _by_css(browser, "#job-table .artifact-download")
    shots.take("build-success")
    # nothing went wrong in the page: no script error, no content policy violation, no failed request
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []

    # and the project list shows it as the project's last build
    browser.find_element(By.LINK_TEXT, "Projects").click()
    wait_until(lambda: _by_css(browser, "#project-table .badge[data-status=success]"), 15,
               "the project list to show the build")
    assert "#1" in _text(browser, "#project-table")
    shots.take("projects-after")


@pytest.mark.stack
def test_failures_come_first_and_retry_then_cancel(world, browser):
    from selenium.webdriver.common.by import By

    stack, shots = world["stack"], Screenshots(browser, "dashboard-buttons")
    _open(browser, world, f"/projects/{world['project']['id']}")
    branch = wait_until(lambda: _by_css(browser, "#branch"), 15, "the project page")[0]
    branch.send_keys("flaky")
    browser.find_element(By.ID, "trigger").click()
    _click(browser, "a.job-link")
    assert wait_until(lambda: _job_status(browser) in ("unstable", "failed") and _job_status(browser), 60,
                      "the flaky job to end") == "unstable"
    wait_until(lambda: _by_css(browser, "#failures"), 15, "the failing tests")
    assert _text(browser, "#test-summary") == "3 tests: 2 passed, 1 failed, 0 skipped"
    first_row = _by_css(browser, "#failures tbody tr")[0].text
    assert "widgets.Build.breaks" in first_row and "expected 2 widgets, got 3" in first_row
    shots.take("unstable-failures-first")

    # retry: a new build of the same commit and config, shown at once
    flaky_job = browser.current_url.rsplit("/", 1)[1]
    _click(browser, "#retry")
    wait_until(lambda: "#/jobs/" in browser.current_url and not browser.current_url.endswith(flaky_job), 15,
               "the retried job's page")
    assert wait_until(lambda: _job_status(browser) in ("unstable", "failed") and _job_status(browser), 60,
                      "the retried job to end") == "unstable"
    shots.take("retried")

    # cancel a running build from its job page
    browser.get(f"{stack.url}/ui/#/projects/{world['project']['id']}")
    wait_until(lambda: _by_css(browser, "#branch"), 15, "the project page")[0].send_keys("slow")
    browser.find_element(By.ID, "trigger").click()
    _click(browser, "a.job-link")
    wait_until(lambda: "waiting to be canceled" in browser.execute_script(STATE_JS)[1], 60, "the slow build to start")
    _click(browser, "#cancel")
    assert wait_until(lambda: _job_status(browser) not in (None, "waiting", "queued", "processing")
                      and _job_status(browser), 30, "the cancel") == "canceled"
    assert _by_css(browser, "#retry") and not _by_css(browser, "#cancel")
    wait_until(lambda: "no test report" in _text(browser, "#test-summary"), 15, "the reports of the canceled job")
    shots.take("canceled")


@pytest.mark.stack
def test_ansi_renderer_edge_cases(world, browser):
    """Sequences split across reads, 256 colours, charset selections and markup, in the real browser."""
    browser.get(f"{world['stack'].url}/ui/#/login")
    wait_until(lambda: _by_css(browser, "#token"), 15, "the dashboard")
    result = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        import('./js/ansi.js').then(({ AnsiRenderer }) => {
          const pre = document.createElement('pre');
          const r = new AnsiRenderer(pre);
          for (const chunk of ['plain \\x1b[3', '1mred\\x1b[0', 'm back\\r', '\\n\\x1b[38;5;196mhot\\x1b[0m',
                               ' \\x1b(B\\x1b[mreset <i>x</i>\\x1b]0;title\\x07 end']) r.write(chunk);
          done({html: pre.innerHTML, text: pre.textContent});
        }).catch((err) => done({error: String(err)}));
    """)
    assert "error" not in result, result
    assert result["text"] == "plain red back\nhot reset <i>x</i> end"
    assert '<span class="sgr-fg-1">red</span>' in result["html"]
    assert '<span style="color: rgb(255, 0, 0);">hot</span>' in result["html"]
    assert "&lt;i&gt;x&lt;/i&gt;" in result["html"]


@pytest.mark.stack
def test_unknown_ids_say_not_found_and_sign_out_forgets_the_token(world, browser):
    _open(browser, world, f"/jobs/{'0' * 23}1")
    wait_until(lambda: _text(browser, "h1") == "Not found", 15, "the not-found page")
    assert "not found" in _text(browser, "main").lower()
    _click(browser, "#sign-out")
    wait_until(lambda: _by_css(browser, "#token"), 15, "the sign-in form")
    assert browser.execute_script("return sessionStorage.getItem('switchyard.token')") is None


@pytest.mark.stack
def test_static_files_are_served_with_module_types(world):
    url = world["stack"].url
    script = requests.get(f"{url}/ui/js/main.js", timeout=10)
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert script.headers["X-Content-Type-Options"] == "nosniff"
    assert script.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    page = requests.get(f"{url}/ui/projects/anything", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in page.text and "<script type=\"module\"" in page.text
    assert requests.get(f"{url}/ui/js/missing.js", timeout=10).status_code == 404
    bare = requests.get(f"{url}/ui", allow_redirects=False, timeout=10)
    assert bare.status_code == 302 and bare.headers["Location"].endswith("/ui/")
    browser_root = requests.get(url, headers={"Accept": "text/html"}, allow_redirects=False, timeout=10)
    assert browser_root.status_code == 302 and browser_root.headers["Location"].endswith("/ui/")
    assert requests.post(f"{url}/ui/index.html", timeout=10).status_code == 405
    assert json.loads(requests.get(f"{url}/health", timeout=10).text) == {"status": "ok"}
