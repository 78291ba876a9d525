// One build (a run): its commit, its jobs with their matrix values, and cancelling it.
import { facts, h, replace, table, update } from "../dom.js";
import { badge, duration, percent, shortSha, testCounts, when } from "../format.js";
import { artifactButton } from "./artifacts.js";

export async function render(page, buildId) {
  let build = await page.api.build(buildId);
  const project = await page.api.project(build.projectId);
  const name = `${project.fullName} #${build.buildGroupNumber}`;
  page.title(name);
  const heading = h("h1", {}, name, " ");
  const statusLine = h("p", { id: "build-status", class: "status-line", role: "status" });
  const about = h("div", { id: "build-facts" });
  const errors = h("div", { id: "build-errors" });
  const actions = h("div", { class: "actions" });
  const jobs = h("div", { id: "jobs" });
  const cancel = h("button", { type: "button", id: "cancel", class: "danger" }, "Cancel build");
  cancel.addEventListener("click", async () => {
    const answer = await page.act(cancel, () => page.api.cancel(build.id));
    if (answer) show(answer);
  });

  page.main.append(
    h("nav", { "aria-label": "Breadcrumb", class: "crumbs" }, h("a", { href: "#/projects" }, "Projects"), " / ",
      h("a", { href: `#/projects/${project.id}` }, project.fullName), " / "),
    heading, statusLine, about, errors, actions,
    h("section", { "aria-labelledby": "jobs-heading" }, h("h2", { id: "jobs-heading" }, "Jobs"), jobs),
  );

  function show(next) {
    build = next;
    update(statusLine, [build.status, build.statusMessage], () => [badge(build.status), " ", statusWords(build)]);
    update(about, build, buildFacts);
    update(errors, build.errorMsgs, (messages) =>
      messages.length ? h("div", { class: "alert" }, h("ul", {}, messages.map((m) => h("li", {}, m)))) : []);
    replace(actions, build.isCompleted ? null : cancel);
    update(jobs, build.builds, (items) => jobTable(page, build, items));
  }

  show(build);
  await page.poll(async () => {
    if (!build.isCompleted) show(await page.api.build(buildId));
    return build;
  }, (current) => (current.isCompleted ? null : 1500));
}

function statusWords(build) {
  if (build.status === 0 && !build.builds.length) return "— reading the build configuration…";
  if (build.status === 10) return "— waiting for a runner";
  return "";
}

function buildFacts(build) {
  return facts([
    ["Branch", build.branch],
    ["Commit", h("span", {}, h("code", {}, shortSha(build.commitSha)), " ", build.lastCommitShortDescription || "")],
    ["Triggered by", build.triggeredBy?.login || (build.isAutoBuild ? "a push" : "")],
    ["Retry of an earlier build", build.isReRun ? "yes" : ""],
    ["Created", when(build.createdDate)],
    ["Duration (all jobs)", build.isCompleted ? duration(build.durationCumulative) : ""],
    ["Tests", testCounts({ total: build.totalTests, passed: build.testsPassed, failed: build.testsFailed,
      skipped: build.testsSkipped })],
  ]);
}

function jobTable(page, build, items) {
  return table({
    id: "job-table",
    caption: `${items.length} job${items.length === 1 ? "" : "s"}`,
    columns: ["Job", "Status", "Matrix", "Tests", "Coverage", "Duration", "Artifacts"],
    empty: build.isCompleted ? "This build ran no jobs." : "No jobs yet: the planner is reading the build config.",
    rows: [...items].sort((a, b) => a.buildNumber - b.buildNumber).map((item) => [
      h("a", { href: `#/jobs/${item.id}`, class: "job-link" }, `#${build.buildGroupNumber}.${item.buildNumber}`),
      h("span", {}, badge(item.status), item.isFailureAllowed ? h("span", { class: "muted" }, " (may fail)") : null),
      matrix(item.matrixValues),
      testCounts({ total: item.totalTests, passed: item.testsPassed, failed: item.testsFailed,
        skipped: item.testsSkipped }),
      item.isCompleted && (item.sequenceCoveragePercent || item.branchCoveragePercent)
        ? `lines ${percent(item.sequenceCoveragePercent)}, branches ${percent(item.branchCoveragePercent)}` : "—",
      item.status === 20 ? "running…" : duration(item.duration),
      item.isArchiveAvailable ? artifactButton(page, build.id, item.buildNumber) : "—",
    ]),
  });
}

function matrix(values) {
  if (!values || !values.length) return h("span", { class: "muted" }, "—");
  return h("ul", { class: "matrix", "aria-label": "matrix values" },
    values.map((v) => h("li", {}, h("code", {}, v.value === "" ? v.name : `${v.name}=${v.value}`))));
}
