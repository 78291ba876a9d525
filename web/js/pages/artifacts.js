// Downloads that need the token: the artifact tarball (via its presigned URL) and the console as a file.
import { h } from "../dom.js";

/** A button that asks the API for the job's presigned artifact URL (valid 15 minutes), then downloads it. */
export function artifactButton(page, buildId, jobNumber) {
  const button = h("button", { type: "button", class: "small artifact-download", "data-job": jobNumber },
    "Download ", h("span", { class: "visually-hidden" }, `the artifacts of job ${jobNumber}`),
    h("span", { "aria-hidden": "true" }, "tar.gz"));
  button.addEventListener("click", async () => {
    const url = await page.act(button, () => page.api.artifactUrl(buildId, jobNumber));
    if (url) window.location.assign(url);
  });
  return button;
}

/** Save `bytes` as a file named `filename` without a round trip (the console is already in the page). */
export function saveBytes(bytes, filename, type = "text/plain") {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
