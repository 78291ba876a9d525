// The dashboard's entry: hash routes to pages, one page alive at a time, its polls stopped when it is left.
import { Api, ApiError } from "./api.js";
import { h, replace } from "./dom.js";
import * as session from "./session.js";
import * as buildPage from "./pages/build.js";
import * as jobPage from "./pages/job.js";
import * as loginPage from "./pages/login.js";
import * as projectPage from "./pages/project.js";
import * as projectsPage from "./pages/projects.js";

const ID = "([0-9a-f]{24})";
const ROUTES = [
  [new RegExp("^/login$"), loginPage, { public: true }],
  [new RegExp("^/projects$"), projectsPage],
  [new RegExp(`^/projects/${ID}$`), projectPage],
  [new RegExp(`^/builds/${ID}$`), buildPage],
  [new RegExp(`^/jobs/${ID}$`), jobPage],
];

const main = document.getElementById("main");
let current = null;

/** What a page gets: the API with its token, its part of the screen, polls that end when the page does. */
export class Page {
  constructor(route) {
    this.route = route;
    this.controller = new AbortController();
    this.api = new Api(session.apiUrl(), session.token(), this.controller.signal);
    this.main = main;
    this.timers = new Set();
  }

  get alive() {
    return !this.controller.signal.aborted;
  }

  /** Run `step` now and again after `delay(result)` ms, until the page is left or the delay is null. */
  poll(step, delay) {
    const run = async () => {
      if (!this.alive) return;
      let result;
      try {
        result = await step();
        this.clearError();
      } catch (err) {
        if (!this.handle(err)) return;
      }
      const wait = typeof delay === "function" ? delay(result) : delay;
      if (wait === null || wait === undefined || !this.alive) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        run();
      }, document.hidden ? Math.max(wait, 10000) : wait);
      this.timers.add(timer);
    };
    return run();
  }

  title(text) {
    document.title = text ? `${text} · Switchyard` : "Switchyard";
  }

  navigate(hash) {
    window.location.hash = hash;
  }

  /** Show an API error above the page; false when the page cannot go on (signed out, or left). */
  handle(err) {
    if (err && err.name === "AbortError") return false;
    if (err instanceof ApiError && err.status === 401) {
      session.signOut();
      this.navigate(`#/login?next=${encodeURIComponent(this.route)}&expired=1`);
      return false;
    }
    const box = this.errorBox();
    replace(box, err instanceof ApiError ? err.message : `Something went wrong: ${err && err.message}`);
    box.hidden = false;
    if (!(err instanceof ApiError) || err.status === 0 || err.status >= 500) return true;
    return err.status !== 404;
  }

  errorBox() {
    let box = document.getElementById("page-error");
    if (!box) {
      box = h("div", { id: "page-error", class: "alert", role: "alert", hidden: true });
      this.main.prepend(box);
    }
    return box;
  }

  clearError() {
    const box = document.getElementById("page-error");
    if (box && !box.hidden) box.hidden = true;
  }

  /** Run a button's action with the button disabled meanwhile; errors show like a poll's. */
  async act(button, action) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      return await action();
    } catch (err) {
      this.handle(err);
      return undefined;
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  dispose() {
    this.controller.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

function renderNav() {
  const nav = document.getElementById("nav");
  if (!session.token()) {
    replace(nav);
    return;
  }
  const who = session.login();
  replace(
    nav,
    h("li", {}, h("a", { href: "#/projects" }, "Projects")),
    h("li", { class: "who" }, who ? `Signed in as ${who}` : "Signed in"),
    h("li", {}, h("button", { type: "button", class: "link-button", id: "sign-out", onclick: signOut }, "Sign out")),
  );
}

function signOut() {
  session.signOut();
  window.location.hash = "#/login";
}

async function show() {
  const hash = window.location.hash.replace(/^#/, "") || "/projects";
  const [path] = hash.split("?");
  if (current) current.dispose();
  renderNav();
  const found = ROUTES.map(([pattern, module, options]) => [pattern.exec(path), module, options || {}])
    .find(([match]) => match);
  if (!found) {
    window.location.hash = "#/projects";
    return;
  }
  const [match, module, options] = found;
  if (!options.public && !session.token()) {
    window.location.hash = `#/login?next=${encodeURIComponent(hash)}`;
    return;
  }
  const page = new Page(hash);
  current = page;
  replace(main);
  try {
    await module.render(page, ...match.slice(1));
  } catch (err) {
    if (!page.alive) return;
    if (err instanceof ApiError && err.status === 404) {
      page.title("Not found");
      replace(main, h("h1", {}, "Not found"), h("p", {}, err.message, " (or it is not visible to your token)."),
        h("p", {}, h("a", { href: "#/projects" }, "All projects")));
    } else {
      page.handle(err);
    }
  }
  // a new page moves focus to its heading (screen readers announce it), unless the page placed focus itself
  const heading = main.querySelector("h1");
  if (!page.alive || !heading || main.contains(document.activeElement)) return;
  heading.tabIndex = -1;
  heading.focus({ preventScroll: true });
}

// the skip link must not change the hash: that is the router's
document.getElementById("skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener("hashchange", show);
show();
