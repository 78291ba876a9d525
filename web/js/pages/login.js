// Signing in: an API token (and the API's address), checked against the API, kept for this tab only.
import { Api, ApiError } from "../api.js";
import { h } from "../dom.js";
import * as session from "../session.js";

export async function render(page) {
  page.title("Sign in");
  const params = new URLSearchParams(window.location.hash.split("?")[1] || "");
  const next = params.get("next") || "/projects";
  const message = h("p", { id: "login-error", class: "alert", role: "alert", hidden: true });
  const tokenInput = h("input", {
    id: "token", name: "token", type: "password", required: true, autocomplete: "off", spellcheck: "false",
    "aria-describedby": "token-help",
  });
  const urlInput = h("input", { id: "api-url", name: "api-url", type: "url", value: session.apiUrl(),
    "aria-describedby": "api-url-help" });
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");

  const form = h(
    "form",
    { class: "card login", "aria-labelledby": "login-heading" },
    h("div", { class: "field" }, h("label", { for: "token" }, "API token"), tokenInput,
      h("p", { id: "token-help", class: "help" },
        "The ", h("code", {}, "apiToken"), " of your account, shown once when the account was created ",
        "(the admin token works too, but lists only public projects).")),
    h("details", {}, h("summary", {}, "API address"),
      h("div", { class: "field" }, h("label", { for: "api-url" }, "API URL"), urlInput,
        h("p", { id: "api-url-help", class: "help" }, "Where the Switchyard API answers; the local stack serves it here."))),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.hidden = true;
    const token = tokenInput.value.trim();
    const apiUrl = urlInput.value.trim() || session.defaultApiUrl();
    await page.act(submit, async () => {
      try {
        const login = await whoIs(new Api(apiUrl, token, page.controller.signal));
        session.signIn({ token, apiUrl, login });
        window.location.hash = `#${next}`;
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        message.textContent = err.status === 401 ? "That token is not valid here." : err.message;
        message.hidden = false;
        tokenInput.focus();
      }
    });
  });

  page.main.append(h("h1", { id: "login-heading" }, "Sign in"));
  if (params.get("expired")) page.main.append(h("p", { class: "alert", role: "status" }, "Your token was refused; sign in again."));
  page.main.append(message, form);
  tokenInput.focus();
}

/** The login of the token's account, when the token names exactly one (the admin token sees them all). */
async function whoIs(api) {
  const ids = await api.accounts();
  if (ids.length !== 1) return "";
  const account = await api.account(ids[0]);
  const identity = (account.identities || [])[0] || {};
  return identity.userName || "";
}
