// Shippable status codes, times and durations as people read them.
import { h } from "./dom.js";

// Shippable's codes (0 … 90); `symbol` repeats the colour's meaning for people who cannot see it.
const STATUSES = {
  0: { name: "waiting", label: "Waiting", symbol: "…" },
  10: { name: "queued", label: "Queued", symbol: "◷" },
  20: { name: "processing", label: "Running", symbol: "▶" },
  30: { name: "success", label: "Success", symbol: "✓" },
  40: { name: "skipped", label: "Skipped", symbol: "↷" },
  50: { name: "unstable", label: "Unstable", symbol: "!" },
  60: { name: "timeout", label: "Timed out", symbol: "⏱" },
  70: { name: "canceled", label: "Canceled", symbol: "⊘" },
  80: { name: "failed", label: "Failed", symbol: "✗" },
  90: { name: "stopped", label: "Stopped", symbol: "■" },
};

export function status(code) {
  return STATUSES[code] || { name: "unknown", label: `Status ${code}`, symbol: "?" };
}

export function isActive(code) {
  return code === 0 || code === 10 || code === 20;
}

/** A status badge: colour, symbol and the word, so it reads the same without colour. */
export function badge(code, attrs = {}) {
  const info = status(code);
  return h(
    "span",
    { class: `badge status-${info.name}`, "data-status": info.name, ...attrs },
    h("span", { class: "badge-symbol", "aria-hidden": "true" }, info.symbol),
    " ",
    info.label,
  );
}

/** A <time> with the local date and a relative hint ("3 min ago"). */
export function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return h("time", { datetime: iso, title: date.toLocaleString() }, relative(date));
}

export function relative(date, now = Date.now()) {
  const seconds = Math.round((now - date.getTime()) / 1000);
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return date.toLocaleDateString();
}

export function duration(ms) {
  if (ms === null || ms === undefined || ms === "" || Number.isNaN(Number(ms))) return "—";
  const total = Math.round(Number(ms) / 1000);
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${total % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function shortSha(sha) {
  return sha ? sha.slice(0, 12) : "—";
}

export function percent(value) {
  const number = Number(value);
  return Number.isFinite(number) ? `${Math.round(number * 10) / 10}%` : "—";
}

/** "12 tests: 10 passed, 1 failed, 1 skipped" or an em dash when there were none. */
export function testCounts({ total, passed, failed, errors, skipped }) {
  if (!total) return "—";
  const parts = [`${passed} passed`, `${failed} failed`];
  if (errors) parts.push(`${errors} errors`);
  parts.push(`${skipped} skipped`);
  return `${total} tests: ${parts.join(", ")}`;
}
