"""Shippable's views are pure: fixed domain objects render to the seeds' field lists (000 and 002)."""

from __future__ import annotations

from switchyard.api.shippable import views
from switchyard.domain.model import Account, Commit, Job, Project, Run, StepResult, Trigger
from switchyard.domain.states import State, StateEntry

SHA = "4bec06511580963fa011e07bf467732a6d562b29"

# Field lists as seed 000 shows them, in its order.
SEED_JOB_LIST = [
    "version", "jobNumber", "runNumber", "runId", "subscriptionId", "subscriptionOrgName", "projectId", "projectName",
    "statusCode", "startedAt", "endedAt", "jobLengthInMS", "timeoutMS", "branchName", "isPullRequest",
    "pullRequestNumber", "createdBy", "commitSha", "isPrivateRepository", "createdAt", "allowFailure",
    "branchCoveragePercent", "sequenceCoveragePercent", "testsErrors", "testsSkipped", "testsPassed", "testsFailed",
    "totalTests", "env", "isCompleted", "id",
]
SEED_JOB = [
    "version", "infra", "build", "deploy", "submoduleEnabled", "jdk", "gemfile", "compiler", "jobNumber",
    "runNumber", "runId", "subscriptionId", "subscriptionOrgName", "projectId", "projectName", "scmURL", "statusCode",
    "statusMessage", "startedAt", "endedAt", "jobLengthInMS", "timeoutMS", "branchName", "isPullRequest",
    "pullRequestNumber", "pullRequestBaseBranch", "createdBy", "commitSha", "addons", "isPrivateRepository", "node",
    "updatedAt", "createdAt", "allowFailure", "branchCoveragePercent", "sequenceCoveragePercent", "jobErrorMsgs",
    "testsErrors", "testsSkipped", "testsPassed", "testsFailed", "totalTests", "steps", "keyIntegrations",
    "deployIntegrations", "hubIntegrations", "notificationIntegrations", "services", "bundlerArgs", "env",
    "isCompleted", "id",
]
SEED_JOB_BUILD = ["pre_ci", "pre_ci_boot", "ci", "post_ci", "post_ci_boot", "smoke_test", "on_success", "on_failure",
                  "cache"]
SEED_STEP = {"id", "execOrder", "scriptType", "who", "script"}
SEED_COVERAGE = ["jobId", "createdBy", "updatedAt", "createdAt", "classes", "branchCoverage", "lineCoverage", "id"]
SEED_TESTS = ["jobId", "total", "totalPassing", "totalFailures", "totalErrors", "totalSkipped", "updatedAt",
              "createdAt", "failureDetails", "errorDetails", "id"]
# Field lists as seed 002 shows them.
SEED_PROJECT_LIST = ["mostRecentBuild", "id", "language", "autoBuild", "fullName", "name", "repositoryProvider",
                     "branches", "sourceDefaultBranch"]
SEED_PROJECT = [
    "id", "branches", "autoBuild", "deployKey", "settings", "created", "isEnabled", "enabledDate", "name",
    "sourcePushed", "sourceCreated", "sourceUpdated", "language", "updatedDate", "subscriptionId", "sourceId",
    "repositoryProvider", "sourceRepoOwner", "isFork", "isPrivateRepository", "sourceDefaultBranch",
    "repositorySshUrl", "repositoryUrl", "sourceDescription", "fullName",
]
SEED_MOST_RECENT = ["createdDate", "buildGroupNumber", "id", "status", "durationCumulative", "commitSha", "branch"]
SEED_BUILD_GROUP = [
    "id", "isAutoCommit", "isAutoPush", "isAutoBuild", "isReRun", "isPullRequest", "isCompleted",
    "emailNotifications", "pullRequestNumber", "committer", "lastAuthor", "triggeredBy", "builds", "createdDate",
    "updatedDate", "repositorySize", "repositoryFileCount", "shouldArchive", "privileged", "imageName", "imageId",
    "settings", "language", "compareUrl", "beforeCommitSha", "branch", "branchHead", "status", "buildGroupNumber",
    "projectId", "lastCommitShortDescription", "commitSha", "commitUrl", "createdByAccountId", "baseCommitRef",
    "runCommand", "emailOnSuccess", "emailOnFailure", "timeoutMS", "buildRunnerVersion", "statusMessage",
    "durationCumulative", "shouldDecryptSecureEnvs", "branchCoveragePercent", "sequenceCoveragePercent",
    "testsSkipped", "testsPassed", "testsFailed", "totalTests", "parallelizedTest", "network",
]
SEED_BUILD_ITEM = {
    "id", "size", "isCompleted", "isBuildCompleted", "canCommit", "matrixValues", "queuedDate", "isSubscriptionHost",
    "deprovisionStatusDate", "imageCommitStatusDate", "isFailureAllowed", "totalTests", "testsFailed", "testsPassed",
    "testsSkipped", "sequenceCoveragePercent", "steps", "environment", "gemfile", "jdk", "version", "status",
    "buildNumber", "commitTag", "startDate", "hostId", "consoleLogLineCount", "consoleLogBytes", "isArchiveAvailable",
    "endDate", "duration", "branchCoveragePercent",
}
SEED_BUILD_STEPS = {"commit", "upload", "purge", "push", "cache", "report", "boot", "dequeue", "pull", "build"}
SEED_ACCOUNT = ["id", "lastUsedIdentityId", "identities", "systemRoles", "created"]
SEED_IDENTITY = [
    "id", "scopes", "enforceScopes", "emails", "migratedProviderId", "providerOwnedPrivateRepos", "providerType",
    "providerId", "provider", "avatarId", "avatarUrl", "displayName", "userName", "email", "providerBlog",
    "providerCompany", "providerLocation", "providerFollowerCount", "providerPrivateGists",
    "providerPublicRepoCount", "providerPublicGistCount", "providerTotalPrivateRepos",
]

PROJECT = Project(id="56cfe9f4c77dae78a8eaa748", owner_id="56cfe9b668147b1300df0c69", provider="github",
                  full_name="shippableapi/sample_node", clone_url="https://user:secret@github.com/shippableapi/sample_node.git",
                  default_branch="master", is_private=False, auto_build=True, created_at="2016-02-27T00:00:00.000Z",
                  updated_at="2016-02-27T00:00:00.000Z")
TRIGGER = Trigger(id="t1", project_id=PROJECT.id, source="webhook", dialect="github", branch="master",
                  commit=Commit(sha=SHA, message="Sample commit\n\ndetails", author_name="Ada", author_login="ada",
                                author_email="ada@example.com", committer_name="Grace", committer_login="grace",
                                committer_email="grace@example.com", url=f"https://github.com/x/y/commit/{SHA}"),
                  triggered_by="ada", before_sha="0" * 40, compare_url="https://github.com/x/y/compare/a...b")
RUN = Run(state=State.SUCCESS,
          history=[StateEntry(State.WAITING, "2016-02-28T05:57:34.000Z"),
                   StateEntry(State.QUEUED, "2016-02-28T05:57:34.500Z"),
                   StateEntry(State.PROCESSING, "2016-02-28T05:57:35.571Z"),
                   StateEntry(State.SUCCESS, "2016-02-28T05:57:48.307Z")],
          id="56d28c4e42bc2e11001ed507", project_id=PROJECT.id, owner_id=PROJECT.owner_id, number=5,
          created_at="2016-02-28T05:57:34.000Z", updated_at="2016-02-28T05:57:48.307Z", trigger=TRIGGER,
          commit_sha=SHA)
PLAN = {"label": "FOO=FUBU", "env": ["FOO=FUBU"], "archive": True, "steps": [
    {"name": "checkout", "kind": "checkout", "phase": "ci"},
    {"name": "printenv", "kind": "run", "command": "printenv", "phase": "ci"},
    {"name": "echo ok", "kind": "run", "command": "echo ok", "phase": "on_success"},
    {"name": "echo no", "kind": "run", "command": "echo no", "phase": "on_failure"},
]}
JOB = Job(state=State.SUCCESS,
          history=[StateEntry(State.QUEUED, "2016-02-28T05:57:34.856Z"),
                   StateEntry(State.PROCESSING, "2016-02-28T05:57:35.571Z"),
                   StateEntry(State.SUCCESS, "2016-02-28T05:57:48.307Z")],
          id="56d28c4e0dc2d81300a2b634", run_id=RUN.id, project_id=PROJECT.id, owner_id=PROJECT.owner_id, number=1,
          build_num=9, created_at="2016-02-28T05:57:34.856Z", updated_at="2016-02-28T05:58:19.702Z",
          label="FOO=FUBU", env=["FOO=FUBU"], timeout_seconds=5400, plan=[PLAN], runner_host="runner-7",
          steps=[StepResult(name="checkout", kind="checkout", started_at="2016-02-28T05:57:35.600Z",
                            ended_at="2016-02-28T05:57:36.000Z", status="success"),
                 StepResult(name="printenv", kind="run", command="printenv", started_at="2016-02-28T05:57:36.000Z",
                            ended_at="2016-02-28T05:57:47.000Z", exit_code=0, status="success")],
          tests={"total": 3, "passed": 2, "failed": 1, "errors": 0, "skipped": 0},
          coverage={"line_rate": 0.5, "branch_rate": 0.25, "lines_valid": 8, "lines_covered": 4,
                    "branches_valid": 4, "branches_covered": 1},
          log_bytes=13593, log_lines=351, archive_key="artifacts/x/shippable.tar.gz")


def test_job_list_entry_is_the_seed_entry():
    assert views.job_summary(JOB, RUN, PROJECT) == {
        "version": "0.12", "jobNumber": 1, "runNumber": 5, "runId": "56d28c4e42bc2e11001ed507",
        "subscriptionId": "56cfe9b668147b1300df0c69", "subscriptionOrgName": "shippableapi",
        "projectId": "56cfe9f4c77dae78a8eaa748", "projectName": "sample_node", "statusCode": 30,
        "startedAt": "2016-02-28T05:57:35.571Z", "endedAt": "2016-02-28T05:57:48.307Z", "jobLengthInMS": 12736,
        "timeoutMS": 5400000, "branchName": "master", "isPullRequest": False, "pullRequestNumber": None,
        "createdBy": "56cfe9b668147b1300df0c69", "commitSha": SHA, "isPrivateRepository": False,
        "createdAt": "2016-02-28T05:57:34.856Z", "allowFailure": False, "branchCoveragePercent": 25.0,
        "sequenceCoveragePercent": 50.0, "testsErrors": 0, "testsSkipped": 0, "testsPassed": 2, "testsFailed": 1,
        "totalTests": 3, "env": ["FOO=FUBU"], "isCompleted": True, "id": "56d28c4e0dc2d81300a2b634",
    }
    assert list(views.job_summary(JOB, RUN, PROJECT)) == SEED_JOB_LIST


def test_job_detail_has_the_seed_fields_in_order():
    view = views.job_detail(JOB, RUN, PROJECT)
    assert list(view) == SEED_JOB
    assert list(view["build"]) == SEED_JOB_BUILD
    assert view["build"]["ci"] == ["printenv"] and view["build"]["on_success"] == ["echo ok"]
    assert view["build"]["on_failure"] == ["echo no"] and view["build"]["post_ci"] == []
    assert view["scmURL"] == "https://github.com/shippableapi/sample_node.git"  # no credentials
    assert view["statusMessage"] == "SUCCESS" and view["node"] == "runner-7" and view["jobErrorMsgs"] == []
    assert all(set(step) >= SEED_STEP for step in view["steps"])
    assert [(s["execOrder"], s["scriptType"], s["script"], s["statusCode"]) for s in view["steps"]] == [
        (10, "checkout", "checkout", 30), (20, "run", "printenv", 30)]
    assert view["steps"] == views.job_detail(JOB, RUN, PROJECT)["steps"]  # step ids are stable


def test_a_queued_job_shows_its_planned_steps_and_no_times():
    queued = Job(state=State.QUEUED, history=[StateEntry(State.QUEUED, "2016-02-28T05:57:34.856Z")],
                 id="a" * 24, run_id=RUN.id, project_id=PROJECT.id, owner_id=PROJECT.owner_id, plan=[PLAN])
    view = views.job_detail(queued, RUN, PROJECT)
    assert view["statusCode"] == 10 and view["isCompleted"] is False
    assert view["startedAt"] is None and view["endedAt"] is None and view["jobLengthInMS"] is None
    assert [s["status"] for s in view["steps"]] == ["waiting"] * 4


def test_failed_job_lists_its_error():
    failed = Job(state=State.TIMEOUT, history=[StateEntry(State.TIMEOUT, "2016-02-28T05:57:34.856Z")],
                 id="b" * 24, run_id=RUN.id, project_id=PROJECT.id, owner_id=PROJECT.owner_id,
                 status_message="timed out after 60 s")
    view = views.job_detail(failed, RUN, PROJECT)
    assert view["statusCode"] == 60 and view["jobErrorMsgs"] == ["timed out after 60 s"]
    assert view["statusMessage"] == "timed out after 60 s"


def test_reports():
    coverage = views.job_coverage_report(JOB, [{"name": "sample", "filename": "Gruntfile.js", "line_rate": 1.0,
                                                "branch_rate": None}])
    assert list(coverage) == SEED_COVERAGE
    assert coverage["classes"][0] | {"id": None} == {"lineRate": "1", "branchRate": None, "name": "sample",
                                                     "fileName": "Gruntfile.js", "id": None}
    assert coverage["branchCoverage"] == {"coveredBranches": 1, "validBranches": 4, "branchRate": 0.25}
    assert coverage["lineCoverage"] == {"lineRate": 0.5, "validLines": 8, "coveredLines": 4}
    cases = [{"classname": "c", "name": "a", "file": "t.js", "time": 0.5, "result": "failure", "message": "nope"},
             {"classname": "c", "name": "b", "file": None, "time": 0.0, "result": "success", "message": None}]
    tests = views.job_test_report(JOB, cases)
    assert list(tests) == SEED_TESTS
    assert (tests["total"], tests["totalPassing"], tests["totalFailures"], tests["errorDetails"]) == (3, 2, 1, [])
    assert tests["failureDetails"] == [{"className": "c", "name": "a", "fileName": "t.js", "message": "nope",
                                        "time": 0.5}]


def test_projects():
    recent = views.most_recent_build(RUN, [JOB])
    assert list(recent) == SEED_MOST_RECENT
    assert recent == {"createdDate": "2016-02-28T05:57:34.000Z", "buildGroupNumber": 5, "id": RUN.id, "status": 30,
                      "durationCumulative": "12736", "commitSha": SHA, "branch": "master"}
    assert set(SEED_PROJECT_LIST) <= set(views.project_summary(PROJECT, recent))
    assert set(SEED_PROJECT) <= set(views.project_detail(PROJECT, None))
    assert views.most_recent_build(None, []) is None


def test_build_group():
    view = views.build_group(RUN, PROJECT, [JOB])
    assert [k for k in view if k in SEED_BUILD_GROUP] == SEED_BUILD_GROUP
    assert (view["status"], view["statusMessage"], view["buildGroupNumber"], view["isAutoBuild"]) == (
        30, "SUCCESS", 5, True)
    assert view["committer"] == {"avatarUrl": "", "displayName": "Grace", "login": "grace",
                                 "email": "grace@example.com"}
    assert view["lastAuthor"]["login"] == "ada" and view["triggeredBy"]["login"] == "ada"
    assert view["lastCommitShortDescription"] == "Sample commit" and view["durationCumulative"] == "12736"
    assert view["shouldArchive"] is True and view["timeoutMS"] == 5400000
    [item] = view["builds"]
    assert set(item) == SEED_BUILD_ITEM and set(item["steps"]) == SEED_BUILD_STEPS
    assert [(m["name"], m["value"]) for m in item["matrixValues"]] == [("FOO", "FUBU")]
    assert (item["consoleLogBytes"], item["consoleLogLineCount"], item["isArchiveAvailable"]) == (13593, 351, True)
    assert item["steps"]["build"]["report"] == [{"status": 20, "time": "2016-02-28T05:57:36.000Z"},
                                                {"status": 30, "time": "2016-02-28T05:57:48.307Z"}]
    assert item["steps"]["dequeue"]["duration"] == 715 and item["duration"] == 12736


def test_account():
    account = Account(id="640e74943999391400416aa0", login="user", created_at="2014-09-09T03:31:32.951Z",
                      name="A user", email="user@example.com")
    view = views.account_detail(account)
    assert list(view) == SEED_ACCOUNT and list(view["identities"][0]) == SEED_IDENTITY
    identity = view["identities"][0]
    assert view["lastUsedIdentityId"] == identity["id"] and view["systemRoles"] == ["user"]
    assert (identity["userName"], identity["displayName"], identity["email"]) == ("user", "A user",
                                                                                  "user@example.com")
    assert identity["emails"] == [{"primary": True, "verified": False, "email": "user@example.com"}]
