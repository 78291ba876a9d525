"""The `switchyard` command: the local stack, standalone runners, and admin conveniences over the API."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:3000"

SERVE_HELP = """\
Run the whole system on this machine: DynamoDB, SQS, S3 and KMS emulated in-process (moto), every
route of template.yaml served, queue consumers and schedules run as Lambda runs them, and a pool of
runners executing builds. No Docker, no AWS account.

Where state lives: everything is in --data-dir (default .switchyard/):
  journal.jsonl    every acknowledged write (table items, queued messages, objects), appended and
                   fsynced before the answer; a record cut short by a kill is dropped at start-up
  snapshot.jsonl   the compacted state the journal continues from (rewritten when the journal grows)
  journal.N.jsonl  only while a compaction runs: a closed journal the new snapshot will replace
  blobs/           console logs, reports and artifacts (one file per object)
  kms.json         the emulated KMS keys (mode 0600; secrets are unreadable without it)
  secret.key       the key webhook secrets are derived from (mode 0600)
  admin.token      the generated admin token, unless SWITCHYARD_ADMIN_TOKEN is set
A kill -9 (or a power cut) loses nothing that was acknowledged: the next start loads the snapshot,
replays the journal, delivers again every queued message not yet deleted, and the reaper requeues
builds whose runner died. A damaged file stops the start with an error naming it.

Backing up: stop the server, copy the whole directory (`tar czf switchyard-backup.tgz .switchyard/`),
start it again; restore by unpacking the copy in place of the directory. A copy taken while the server
runs may catch a compaction half-way; starting on such a copy stops with an error naming the files.
"""


def _root() -> Path:
    """The project checkout holding template.yaml (the package lives in layers/core/switchyard)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "template.yaml").is_file():
            return parent
    return Path.cwd()


def cmd_serve(args: argparse.Namespace) -> int:
    from .local.journal import CorruptDataError
    from .local.serve import ServeOptions, serve

    try:
        serve(
            ServeOptions(
                root=Path(args.root).resolve() if args.root else _root(),
                data_dir=Path(args.data_dir).resolve(),
                host=args.host,
                port=args.port,
                runners=args.runners,
                durable=not args.no_durability,
                schedule_interval=args.schedule_interval,
            )
        )
    except CorruptDataError as err:
        raise SystemExit(f"switchyard serve: cannot read the data dir: {err}") from None
    return 0


def cmd_runner(args: argparse.Namespace) -> int:
    if args.env_file:
        for line in Path(args.env_file).read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and name.strip() and not name.startswith("#"):
                os.environ[name.strip()] = value
    from .runner.worker import main as runner_main

    return runner_main(args)


def cmd_workers(args: argparse.Namespace) -> int:
    from .local.workers import main as workers_main

    return workers_main(Path(args.root).resolve() if args.root else _root(), args.schedule_interval)


def _client(args: argparse.Namespace):
    import requests

    url = (args.url or os.environ.get("SWITCHYARD_URL") or DEFAULT_URL).rstrip("/")
    token = args.token or os.environ.get("SWITCHYARD_TOKEN")
    if not token:
        token_file = Path(args.data_dir) / "admin.token"
        token = token_file.read_text().strip() if token_file.exists() else None
    if not token:
        raise SystemExit("no token: pass --token, set SWITCHYARD_TOKEN, or run next to a local .switchyard/")
    session = requests.Session()
    session.headers["Authorization"] = f"apiToken {token}"
    return url, session


def _print(response) -> int:
    try:
        print(json.dumps(response.json(), indent=2))
    except ValueError:
        print(response.text)
    return 0 if response.ok else 1


def cmd_account_add(args: argparse.Namespace) -> int:
    url, session = _client(args)
    return _print(session.post(f"{url}/accounts", json={"login": args.login}, timeout=30))


def cmd_project_add(args: argparse.Namespace) -> int:
    url, session = _client(args)
    body = {
        "repositoryProvider": args.provider,
        "fullName": args.full_name,
        "cloneUrl": args.clone_url,
        "sourceDefaultBranch": args.branch,
        "isPrivate": not args.public,
        "autoBuild": not args.no_auto_build,
    }
    return _print(session.post(f"{url}/projects", json=body, timeout=30))


def cmd_token(args: argparse.Namespace) -> int:
    """Print the local stack's admin token (what `serve` printed), for scripts."""
    path = Path(args.data_dir) / "admin.token"
    token = os.environ.get("SWITCHYARD_ADMIN_TOKEN") or (path.read_text().strip() if path.exists() else "")
    if not token:
        print(f"no admin token: {path} does not exist and SWITCHYARD_ADMIN_TOKEN is not set", file=sys.stderr)
        return 1
    print(token)
    return 0


def _api(args: argparse.Namespace):
    from .client import Client

    url, session = _client(args)
    return Client(url, session.headers["Authorization"].split(" ", 1)[1], session=session)


EXIT_CODES = "the exit status is 0 for success (or skipped), 1 failed, 2 unstable, 3 timeout, 4 canceled, 5 stopped"


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _write(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _api_command(run):
    """A command over the API: its errors as one line on stderr (exit 1), Ctrl-C as exit 130."""

    def command(args: argparse.Namespace) -> int:
        from .client import ApiError

        try:
            return run(args)
        except ApiError as err:
            _say(f"switchyard: {err}")
            return 1
        except KeyboardInterrupt:
            _say("switchyard: interrupted")
            return 130

    command.__doc__ = run.__doc__
    return command


@_api_command
def cmd_trigger(args: argparse.Namespace) -> int:
    from .client import Follower

    api = _api(args)
    build_id = api.trigger(args.project, args.branch)
    print(json.dumps({"BuildId": build_id}), flush=True)
    if not args.follow:
        _say(f"follow it with: switchyard logs {build_id} --follow")
        return 0
    return Follower(api, _write, _say).build(build_id)


@_api_command
def cmd_runs(args: argparse.Namespace) -> int:
    from .client import STATUS_NAMES

    runs = _api(args).runs(args.project, args.limit)
    if not runs:
        _say(f"{args.project} has no builds yet: `switchyard trigger {args.project}` starts one")
        return 0
    print(f"{'BUILD':>5}  {'STATUS':<10}  {'BRANCH':<20}  {'COMMIT':<12}  ID")
    for run in runs:
        status = STATUS_NAMES.get(run.get("status"), str(run.get("status")))
        sha = (run.get("commitSha") or "-")[:12]
        branch = run.get("branch") or "-"
        print(f"{run.get('buildGroupNumber', '?'):>5}  {status:<10}  {branch:<20}  {sha:<12}  {run['id']}")
        for job in sorted(run.get("builds", []), key=lambda j: j.get("buildNumber", 0)):
            matrix = " ".join(f"{m['name']}={m['value']}" for m in job.get("matrixValues", []))
            job_status = STATUS_NAMES.get(job.get("status"), "?")
            print(f"{'':>5}  job {run.get('buildGroupNumber')}.{job.get('buildNumber')}: {job_status:<10}  "
                  f"{job['id']}  {matrix}".rstrip())
    return 0


@_api_command
def cmd_logs(args: argparse.Namespace) -> int:
    from .client import Follower

    api = _api(args)
    follower = Follower(api, _write, _say)
    if api.is_build(args.job):
        if args.follow:
            return follower.build(args.job)
        for item in sorted(api.build(args.job).get("builds", []), key=lambda b: b.get("buildNumber", 0)):
            _say(f"==> job {item.get('buildNumber')}")
            _write(api.console(item["id"]))
        return 0
    if args.follow:
        return follower.job(args.job)
    _write(api.console(args.job))
    return 0


def _add_client_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help=f"the Switchyard API (default $SWITCHYARD_URL or {DEFAULT_URL})")
    parser.add_argument("--token", help="API token (default $SWITCHYARD_TOKEN, else the local admin token)")
    parser.add_argument("--data-dir", default=".switchyard", help="where a local stack keeps admin.token")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="switchyard", description="Serverless CI: local stack, runners, admin tools")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the whole system locally", description=SERVE_HELP,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    serve.add_argument("--data-dir", default=".switchyard", help="where state lives (see above)")
    serve.add_argument("--runners", type=int, default=int(os.environ.get("SWITCHYARD_RUNNERS", "2")),
                       help="concurrent jobs of the built-in runner pool (0: none, run `switchyard runner`)")
    serve.add_argument("--root", help="the checkout holding template.yaml (default: found automatically)")
    serve.add_argument("--no-durability", action="store_true",
                       help="journal nothing: state written from now on is lost on exit (benchmarks)")
    serve.add_argument("--schedule-interval", type=float, default=None,
                       help="run scheduled functions (the reaper) every N seconds instead of their rate")
    serve.set_defaults(func=cmd_serve)

    runner = sub.add_parser("runner", help="execute jobs from the job queue",
                            description="Long-poll the job queue of a deployed or local stack and execute jobs. "
                            "Reads the stack's resource names from SWITCHYARD_* variables and AWS credentials "
                            "from the usual places.")
    runner.add_argument("--concurrency", type=int, default=1, help="jobs run at once")
    runner.add_argument("--name", default=None, help="runner name shown as the node (default: host name)")
    runner.add_argument("--job-queue-url", default=None, help="overrides SWITCHYARD_JOB_QUEUE_URL")
    runner.add_argument("--once", action="store_true", help="exit when the queue is empty")
    runner.add_argument("--env-file", default=None,
                        help="KEY=VALUE lines to load first (a local stack writes .switchyard/runner.env)")
    runner.set_defaults(func=cmd_runner)

    workers = sub.add_parser("workers", help="queue consumers and schedules of a local stack (serve starts it)")
    workers.add_argument("--root", help="the checkout holding template.yaml")
    workers.add_argument("--schedule-interval", type=float, default=None)
    workers.set_defaults(func=cmd_workers)

    account = sub.add_parser("account", help="manage accounts").add_subparsers(dest="action", required=True)
    add = account.add_parser("add", help="create an account (admin token) and print its API token")
    add.add_argument("login")
    _add_client_options(add)
    add.set_defaults(func=cmd_account_add)

    project = sub.add_parser("project", help="manage projects").add_subparsers(dest="action", required=True)
    padd = project.add_parser("add", help="register a repository; prints its webhook URL and secret")
    padd.add_argument("full_name", help="owner/name")
    padd.add_argument("clone_url", help="https://…, git@…, or file:///path for a local repository")
    padd.add_argument("--provider", default="github", choices=["github", "gitlab", "bitbucket"])
    padd.add_argument("--branch", default="main", help="default branch")
    padd.add_argument("--public", action="store_true", help="readable by every account")
    padd.add_argument("--no-auto-build", action="store_true", help="do not build pushes")
    _add_client_options(padd)
    padd.set_defaults(func=cmd_project_add)

    token = sub.add_parser("token", help="print the local stack's admin token")
    token.add_argument("--data-dir", default=".switchyard", help="the stack's data dir")
    token.set_defaults(func=cmd_token)

    trigger = sub.add_parser("trigger", help="start a build of a project (by full name or id)")
    trigger.add_argument("project", help="owner/name or the project id")
    trigger.add_argument("--branch", help="branch to build (default: the project's default branch)")
    trigger.add_argument("--follow", "-f", action="store_true",
                         help=f"then stream every job's console until the build ends; {EXIT_CODES}")
    _add_client_options(trigger)
    trigger.set_defaults(func=cmd_trigger)

    runs = sub.add_parser("runs", help="list a project's recent builds and their jobs")
    runs.add_argument("project", help="owner/name or the project id")
    runs.add_argument("--limit", type=int, default=20)
    _add_client_options(runs)
    runs.set_defaults(func=cmd_runs)

    logs = sub.add_parser("logs", help="print a job's console; --follow streams it and exits with its outcome",
                          description="Print the console of a job, or of every job of a build (the BuildId that "
                          "`trigger` prints). With --follow, stream it while it runs (progress notes go to stderr); "
                          + EXIT_CODES + ".")
    logs.add_argument("job", help="a job id, or a build id (BuildId) for all of its jobs")
    logs.add_argument("--follow", "-f", action="store_true",
                      help="stream while it runs and exit with its outcome")
    _add_client_options(logs)
    logs.set_defaults(func=cmd_logs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
