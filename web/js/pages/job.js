// One job: its live console (followed while it runs), steps, test report (failures first), coverage, and
// the cancel / retry / download actions.
import { LiveConsole } from "../console.js";
import { facts, h, replace, table, update } from "../dom.js";
import { badge, duration, percent, shortSha, status, testCounts, when } from "../format.js";
import { artifactButton, saveBytes } from "./artifacts.js";

const POLL_MS = 1000;

export async function render(page, jobId) {
  let job = await page.api.job(jobId);
  const project = await page.api.project(job.projectId);
  const name = `${project.fullName} #${job.runNumber}.${job.jobNumber}`;
  page.title(name);

  const statusLine = h("p", { id: "job-status", class: "status-line", role: "status" });
  const about = h("div", { id: "job-facts" });
  const errors = h("div", { id: "job-errors" });
  const actions = h("div", { class: "actions", id: "job-actions" });
  const steps = h("div", { id: "steps" });
  const consoleState = h("p", { id: "console-state", class: "muted" });
  const pre = h("pre", { id: "console", class: "console", tabindex: "0", "aria-label": "Console output",
    "aria-describedby": "console-state" });
  const live = new LiveConsole(pre);
  const follow = h("input", { type: "checkbox", id: "follow", checked: true });
  follow.addEventListener("change", () => {
    live.follow = follow.checked;
    if (follow.checked) pre.scrollTop = pre.scrollHeight;
  });
  const tests = h("div", { id: "tests" }, h("p", { class: "muted" }, "The test report appears when the job ends."));
  const coverage = h("div", { id: "coverage" }, h("p", { class: "muted" }, "Coverage appears when the job ends."));
  let artifacts = null;

  const cancel = h("button", { type: "button", id: "cancel", class: "danger" }, "Cancel build");
  cancel.addEventListener("click", async () => {
    if (await page.act(cancel, () => page.api.cancel(job.runId))) show(await page.api.job(jobId));
  });
  const retry = h("button", { type: "button", id: "retry" }, "Retry job");
  retry.addEventListener("click", async () => {
    const answer = await page.act(retry, () => page.api.retry(job.id));
    if (answer) page.navigate(`#/jobs/${answer.id}`);
  });
  const download = h("button", { type: "button", id: "download-console" }, "Download console");
  download.addEventListener("click", () => saveBytes(live.shown, `${project.name}-${job.runNumber}.${job.jobNumber}.log`));

  page.main.append(
    h("nav", { "aria-label": "Breadcrumb", class: "crumbs" }, h("a", { href: "#/projects" }, "Projects"), " / ",
      h("a", { href: `#/projects/${project.id}` }, project.fullName), " / ",
      h("a", { href: `#/builds/${job.runId}` }, `#${job.runNumber}`), " / "),
    h("h1", {}, name),
    statusLine, about, errors, actions,
    h("section", { "aria-labelledby": "console-heading", class: "console-section" },
      h("div", { class: "section-head" }, h("h2", { id: "console-heading" }, "Console"),
        h("label", { class: "check" }, follow, " Follow output")),
      consoleState, pre),
    h("section", { "aria-labelledby": "steps-heading" }, h("h2", { id: "steps-heading" }, "Steps"), steps),
    h("section", { "aria-labelledby": "tests-heading" }, h("h2", { id: "tests-heading" }, "Tests"), tests),
    h("section", { "aria-labelledby": "coverage-heading" }, h("h2", { id: "coverage-heading" }, "Coverage"), coverage),
  );

  function show(next) {
    job = next;
    update(statusLine, [job.statusCode, job.statusMessage], () => [badge(job.statusCode), " ", extra(job)]);
    update(about, job, jobFacts);
    update(errors, job.jobErrorMsgs.filter((m) => !saysOnlyTheStatus(m, job)), (messages) =>
      messages.length ? h("div", { class: "alert" }, h("ul", {}, messages.map((m) => h("li", {}, m)))) : []);
    update(actions, [job.isCompleted, Boolean(artifacts)], () => [job.isCompleted ? retry : cancel, download, artifacts]);
    update(steps, job.steps, stepList);
  }

  show(job);
  await page.poll(async () => {
    show(await page.api.job(jobId));
    // the console is read after the job, so the last read of a finished job is its whole console
    const consoleError = await readConsole(page, jobId, live);
    if (!job.isCompleted) {
      consoleState.textContent = consoleError || (job.statusCode === 20
        ? "Live: following the job as it runs."
        : `${status(job.statusCode).label}: the console starts when a runner picks the job up.`);
      return job;
    }
    live.finish();
    consoleState.textContent = consoleError || (live.shown.length ? "The job has ended; this is its whole console."
      : "The job ended without writing to its console.");
    await finished();
    return job;
  }, (current) => (current && current.isCompleted ? null : POLL_MS));

  async function finished() {
    const [testReport, coverageReport, build] = await Promise.all([
      page.api.testReport(jobId), page.api.coverageReport(jobId), page.api.build(job.runId)]);
    replace(tests, testSection(testReport));
    replace(coverage, coverageSection(coverageReport));
    const item = (build.builds || []).find((b) => b.id === job.id);
    if (item && item.isArchiveAvailable) {
      artifacts = artifactButton(page, job.runId, job.jobNumber);
      show(job);
    }
  }
}

/** Show what is new in the console; a message instead when it cannot be read (the poll goes on). */
async function readConsole(page, jobId, live) {
  try {
    live.update(await page.api.console(jobId));
    return "";
  } catch (err) {
    if (err.name === "AbortError" || err.status === 401) throw err;
    return `The console could not be read here (${err.message}); try \`switchyard logs ${jobId}\`.`;
  }
}

function extra(job) {
  const message = job.statusMessage || "";
  return message && !saysOnlyTheStatus(message, job) ? `— ${message}` : "";
}

/** A status message that only repeats the badge ("SUCCESS", "canceled") is not worth a second line. */
function saysOnlyTheStatus(message, job) {
  const info = status(job.statusCode);
  return [info.name, info.label.toLowerCase()].includes(message.trim().toLowerCase());
}

function jobFacts(job) {
  return facts([
    ["Branch", job.branchName + (job.isPullRequest ? ` (pull request #${job.pullRequestNumber})` : "")],
    ["Commit", h("code", {}, shortSha(job.commitSha))],
    ["Matrix", job.env && job.env.length ? h("ul", { class: "matrix" }, job.env.map((e) => h("li", {}, h("code", {}, e))))
      : ""],
    ["Runner", job.node || ""],
    ["Started", job.startedAt ? when(job.startedAt) : "not yet"],
    ["Duration", job.isCompleted ? duration(job.jobLengthInMS) : ""],
    ["Failure allowed", job.allowFailure ? "yes" : ""],
  ]);
}

function stepList(steps) {
  if (!steps || !steps.length) return h("p", { class: "muted" }, "No steps yet.");
  return h("ol", { class: "steps" }, steps.map((step) => h(
    "li",
    { class: `step step-${step.status}` },
    h("span", { class: "step-status" }, stepStatus(step)),
    " ",
    h("code", {}, step.script || step.name),
    step.exitCode !== null && step.exitCode !== undefined ? h("span", { class: "muted" }, ` exit ${step.exitCode}`) : null,
    step.durationInMS !== null && step.durationInMS !== undefined
      ? h("span", { class: "muted" }, ` · ${duration(step.durationInMS)}`) : null,
  )));
}

function stepStatus(step) {
  const words = { success: "✓ passed", failed: "✗ failed", waiting: "… to run", pending: "… to run",
    running: "▶ running", skipped: "↷ skipped" };
  return words[step.status] || step.status;
}

function testSection(report) {
  if (!report) return h("p", { class: "empty", id: "test-summary" }, "This job wrote no test report.");
  const failing = [
    ...(report.failureDetails || []).map((d) => ["failed", d]),
    ...(report.errorDetails || []).map((d) => ["error", d]),
  ];
  const summary = h("p", { id: "test-summary", class: failing.length ? "summary bad" : "summary good" },
    testCounts({ total: report.total, passed: report.totalPassing, failed: report.totalFailures,
      errors: report.totalErrors, skipped: report.totalSkipped }));
  if (!failing.length) return [summary, h("p", {}, report.total ? "No test failed." : "The report has no tests.")];
  return [
    summary,
    table({
      id: "failures",
      caption: "Failing tests first: failures, then errors",
      columns: ["Result", "Test", "File", "Message", "Time"],
      empty: "",
      rows: failing.map(([kind, d]) => [
        h("span", { class: `badge status-${kind === "failed" ? "failed" : "unstable"}` }, kind),
        h("code", {}, d.className ? `${d.className}.${d.name}` : d.name),
        d.fileName || "—",
        d.message ? h("pre", { class: "message" }, d.message) : "—",
        `${Number(d.time || 0).toFixed(2)} s`,
      ]),
    }),
  ];
}

function coverageSection(report) {
  if (!report) return h("p", { class: "empty", id: "coverage-summary" }, "This job wrote no coverage report.");
  const lines = report.lineCoverage || {};
  const branches = report.branchCoverage || {};
  const classes = [...(report.classes || [])].sort((a, b) => Number(a.lineRate) - Number(b.lineRate));
  return [
    h("p", { id: "coverage-summary", class: "summary" },
      `Lines ${percent(100 * (lines.lineRate || 0))} (${lines.coveredLines || 0} of ${lines.validLines || 0}), `,
      `branches ${percent(100 * (branches.branchRate || 0))} (${branches.coveredBranches || 0} of ` +
      `${branches.validBranches || 0})`),
    table({
      id: "coverage-classes",
      caption: "Classes, least covered first",
      columns: ["Class", "File", "Lines", "Branches"],
      empty: "",
      rows: classes.map((c) => [
        h("code", {}, c.name), c.fileName || "—", rate(c.lineRate), rate(c.branchRate),
      ]),
    }),
  ];
}

function rate(value) {
  if (value === null || value === undefined) return "—";
  const number = Number(value);
  return h("span", { class: "rate" }, h("meter", { min: "0", max: "1", low: "0.5", high: "0.8", optimum: "1",
    value: String(number), "aria-hidden": "true" }), ` ${percent(100 * number)}`);
}
