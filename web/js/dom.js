// Building DOM nodes without ever parsing HTML: every string becomes a text node or an attribute value.

/**
 * h("a", {href: "#/x", class: "link"}, "text", otherNode) -> an element.
 * Attributes starting with "on" take a function (an event listener); `null`/`false` values are left out.
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class") {
      node.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else if (value === true) {
      node.setAttribute(name, "");
    } else {
      node.setAttribute(name, String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace everything inside `node` with `children`. */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

const shownData = new WeakMap();

/** Re-render `node` from `data` only when the data changed, so a poll does not reset focus or selection. */
export function update(node, data, build) {
  const key = JSON.stringify(data);
  if (shownData.get(node) === key) return false;
  shownData.set(node, key);
  replace(node, build(data));
  return true;
}

/** A definition list from [term, value] pairs; pairs whose value is empty are skipped. */
export function facts(pairs, attrs = {}) {
  const list = h("dl", { class: "facts", ...attrs });
  for (const [term, value] of pairs) {
    if (value === null || value === undefined || value === "") continue;
    list.append(h("div", {}, h("dt", {}, term), h("dd", {}, value)));
  }
  return list;
}

/** A table with a caption, header cells (scope=col) and rows of cells; an empty list shows `empty`. */
export function table({ caption, columns, rows, empty, id }) {
  if (!rows.length) return h("p", { class: "empty", id }, empty);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c) => h("td", {}, c))))),
    ),
  );
}
