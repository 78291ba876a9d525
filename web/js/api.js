// The public API as the dashboard uses it: Shippable's routes plus Switchyard's own, `apiToken` auth.

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class Api {
  constructor(baseUrl, token, signal) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.token = token;
    this.signal = signal;
  }

  async request(method, path, { body, accept = "application/json" } = {}) {
    const headers = { Authorization: `apiToken ${this.token}`, Accept: accept };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: this.signal,
        cache: "no-store",
      });
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ApiError(0, `Cannot reach the Switchyard API at ${this.baseUrl || "this address"}.`);
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  async get(path) {
    return (await this.request("GET", path)).json();
  }

  async post(path, body = {}) {
    return (await this.request("POST", path, { body })).json();
  }

  /** The raw bytes of a text route (the console), so a caller can append only what is new. */
  async bytes(path) {
    const response = await this.request("GET", path, { accept: "text/plain" });
    return new Uint8Array(await response.arrayBuffer());
  }

  // -- the routes the pages use ------------------------------------------------------------------------------------
  accounts() { return this.get("/accounts"); }
  account(id) { return this.get(`/accounts/${id}`); }
  projects() { return this.get("/projects"); }
  project(id) { return this.get(`/projects/${id}`); }
  recentBuilds(projectId, number = 20) { return this.get(`/projects/${projectId}/recentBuilds/${number}`); }
  build(buildId) { return this.get(`/builds/${buildId}`); }
  job(jobId) { return this.get(`/jobs/${jobId}`); }
  console(jobId) { return this.bytes(`/jobs/${jobId}/consoles/download`); }
  testReport(jobId) { return optional(this.get(`/jobs/${jobId}/jobTestReports`)); }
  coverageReport(jobId) { return optional(this.get(`/jobs/${jobId}/jobCoverageReports`)); }
  artifactUrl(buildId, jobNumber) { return this.get(`/builds/${buildId}/${jobNumber}/artifacts`); }
  trigger(projectId, branchName) {
    return this.post("/workflow/triggerBuild", branchName ? { projectId, branchName } : { projectId });
  }
  cancel(buildId) { return this.post("/workflow/cancelBuild", { BuildId: buildId }); }
  retry(jobId) { return this.post(`/jobs/${jobId}/retry`); }
}

async function errorOf(response) {
  let message = `${response.status} ${response.statusText}`;
  let code;
  try {
    const body = await response.json();
    if (body && typeof body.message === "string") message = body.message;
    code = body && body.id;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, message, code);
}

/** A report route answers 404 when the job wrote none: that is an answer, not an error. */
async function optional(promise) {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}
