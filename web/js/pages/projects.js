// Every project the token may see, each with the status of its most recent build.
import { h, table, update } from "../dom.js";
import { badge, isActive, shortSha, when } from "../format.js";

export async function render(page) {
  page.title("Projects");
  const list = h("div", { id: "projects" });
  page.main.append(h("h1", {}, "Projects"), list);
  await page.poll(async () => {
    const projects = await page.api.projects();
    projects.sort((a, b) => (b.mostRecentBuild?.createdDate || "").localeCompare(a.mostRecentBuild?.createdDate || "")
      || a.fullName.localeCompare(b.fullName));
    update(list, projects, projectTable);
    return projects;
  }, (projects) => (projects.some((p) => p.mostRecentBuild && isActive(p.mostRecentBuild.status)) ? 3000 : 10000));
}

function projectTable(projects) {
  return table({
    id: "project-table",
    caption: `${projects.length} project${projects.length === 1 ? "" : "s"}`,
    columns: ["Project", "Last build", "Branch", "Commit", "Started"],
    empty: h("span", {}, "No projects yet. Register a repository with ", h("code", {}, "switchyard project add"),
      " or ", h("code", {}, "POST /projects"), "."),
    rows: projects.map((project) => {
      const last = project.mostRecentBuild;
      return [
        h("a", { href: `#/projects/${project.id}`, class: "project-link" }, project.fullName),
        last ? h("a", { href: `#/builds/${last.id}` },
          badge(last.status), ` #${last.buildGroupNumber}`) : h("span", { class: "muted" }, "never built"),
        last?.branch || project.sourceDefaultBranch || "—",
        last ? h("code", {}, shortSha(last.commitSha)) : "—",
        last ? when(last.createdDate) : "—",
      ];
    }),
  });
}
