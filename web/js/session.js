// The token and API address of this browser tab: entered once, kept in sessionStorage (gone with the tab).
import config from "../config.js";

const TOKEN = "switchyard.token";
const API = "switchyard.api";
const LOGIN = "switchyard.login";

/** The API the dashboard talks to: ?api=, then what this tab chose, then config.js, then this origin. */
export function apiUrl() {
  const fromQuery = new URLSearchParams(window.location.search).get("api");
  if (fromQuery) sessionStorage.setItem(API, fromQuery);
  return trim(sessionStorage.getItem(API) || config.apiUrl || defaultApiUrl());
}

/** Served by the local stack at /ui/, the API is the same origin's root. */
export function defaultApiUrl() {
  const { origin, pathname } = window.location;
  const at = pathname.indexOf("/ui/");
  return origin + (at > 0 ? pathname.slice(0, at) : "");
}

export function token() {
  return sessionStorage.getItem(TOKEN) || "";
}

export function login() {
  return sessionStorage.getItem(LOGIN) || "";
}

export function signIn({ token: value, apiUrl: url, login: name }) {
  sessionStorage.setItem(TOKEN, value);
  sessionStorage.setItem(API, trim(url));
  sessionStorage.setItem(LOGIN, name || "");
}

export function signOut() {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(LOGIN);
}

function trim(url) {
  return (url || "").replace(/\/+$/, "");
}
