// One project: what it builds, a button to build it now, and its recent builds.
import { facts, h, table, update } from "../dom.js";
import { badge, duration, isActive, shortSha, testCounts, when } from "../format.js";

export async function render(page, projectId) {
  const project = await page.api.project(projectId);
  page.title(project.fullName);
  const branch = h("input", { id: "branch", name: "branch", type: "text", placeholder: project.sourceDefaultBranch,
    autocomplete: "off", spellcheck: "false", "aria-describedby": "branch-help" });
  const trigger = h("button", { type: "submit", class: "primary", id: "trigger" }, "Trigger build");
  const form = h(
    "form",
    { class: "card trigger-form", "aria-labelledby": "trigger-heading" },
    h("h2", { id: "trigger-heading" }, "Build now"),
    h("div", { class: "field inline" }, h("label", { for: "branch" }, "Branch"), branch, trigger),
    h("p", { id: "branch-help", class: "help" }, `Empty: the default branch, ${project.sourceDefaultBranch}.`),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await page.act(trigger, () => page.api.trigger(project.id, branch.value.trim()));
    if (answer) page.navigate(`#/builds/${answer.BuildId}`);
  });
  const builds = h("div", { id: "builds" });

  page.main.append(
    h("nav", { "aria-label": "Breadcrumb", class: "crumbs" }, h("a", { href: "#/projects" }, "Projects"), " / "),
    h("h1", {}, project.fullName),
    facts([
      ["Repository", h("span", {}, project.repositoryProvider, " · ", h("code", {}, withoutCredentials(project.cloneUrl)))],
      ["Default branch", project.sourceDefaultBranch],
      ["Visibility", project.isPrivateRepository ? "private" : "public"],
      ["Builds pushes", project.autoBuild ? "yes" : "no (disabled)"],
    ]),
    form,
    h("section", { "aria-labelledby": "builds-heading" }, h("h2", { id: "builds-heading" }, "Recent builds"), builds),
  );
  await page.poll(async () => {
    const recent = await page.api.recentBuilds(project.id);
    update(builds, recent, buildTable);
    return recent;
  }, (recent) => (recent.some((b) => !b.isCompleted) ? 2000 : 10000));
}

function buildTable(recent) {
  return table({
    id: "build-table",
    caption: "The 20 newest builds, newest first",
    columns: ["Build", "Status", "Branch", "Commit", "Tests", "Duration", "Started"],
    empty: "No builds yet: trigger one above, or push to the repository.",
    rows: recent.map((build) => [
      h("a", { href: `#/builds/${build.id}` }, `#${build.buildGroupNumber}`),
      badge(build.status),
      build.branch || "—",
      h("span", {}, h("code", {}, shortSha(build.commitSha)), " ", build.lastCommitShortDescription || ""),
      testCounts({ total: build.totalTests, passed: build.testsPassed, failed: build.testsFailed,
        skipped: build.testsSkipped }),
      runningTime(build),
      when(build.createdDate),
    ]),
  });
}

function runningTime(build) {
  if (build.status === 20) return "running…";
  return isActive(build.status) ? "—" : duration(build.durationCumulative);
}

/** A clone URL as it may be shown: without a user name or password in it. */
function withoutCredentials(url) {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return url || "—";
  }
}
