"""PynamoDB models, one per table of template.yaml; table names come from Settings."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from ..settings import Settings, get_settings


class AccountModel(Model):
    """An account, or (kind=login) the claim that makes a login unique."""

    class Meta:
        table_name = "switchyard-accounts"

    class ByKind(GlobalSecondaryIndex):
        class Meta:
            index_name = "by-kind"
            projection = AllProjection()

        kind = UnicodeAttribute(hash_key=True)
        created_at = UnicodeAttribute(range_key=True)

    id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(default="account")
    created_at = UnicodeAttribute()
    login = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    email = UnicodeAttribute(default="")
    is_admin = BooleanAttribute(default=False)
    account_id = UnicodeAttribute(null=True)
    by_kind = ByKind()


class TokenModel(Model):
    class Meta:
        table_name = "switchyard-tokens"

    class ByAccount(GlobalSecondaryIndex):
        class Meta:
            index_name = "by-account"
            projection = KeysOnlyProjection()

        account_id = UnicodeAttribute(hash_key=True)
        created_at = UnicodeAttribute(range_key=True)

    token_hash = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    label = UnicodeAttribute(default="")
    by_account = ByAccount()


class ProjectModel(Model):
    """A project, or (kind=repo) the claim that makes a repository unique."""

    class Meta:
        table_name = "switchyard-projects"

    class ByOwner(GlobalSecondaryIndex):
        class Meta:
            index_name = "by-owner"
            projection = AllProjection()

        owner_id = UnicodeAttribute(hash_key=True)
        created_at = UnicodeAttribute(range_key=True)

    class ByRepo(GlobalSecondaryIndex):
        class Meta:
            index_name = "by-repo"
            projection = AllProjection()

        repo_key = UnicodeAttribute(hash_key=True)

    class ByVisibility(GlobalSecondaryIndex):
        class Meta:
            index_name = "by-visibility"
            projection = AllProjection()

        visibility = UnicodeAttribute(hash_key=True)
        created_at = UnicodeAttribute(range_key=True)

    id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(default="project")
    owner_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    repo_key = UnicodeAttribute(null=True)
    visibility = UnicodeAttribute(null=True)
    provider = UnicodeAttribute(null=True)
    full_name = UnicodeAttribute(null=True)
    clone_url = UnicodeAttribute(null=True)
    default_branch = UnicodeAttribute(null=True)
    is_private = BooleanAttribute(default=True)
    auto_build = BooleanAttribute(default=True)
    language = UnicodeAttribute(null=True)
    scm_api_url = UnicodeAttribute(null=True)
    status_token = UnicodeAttribute(null=True)
    last_status_error = UnicodeAttribute(null=True)
    enabled_at = UnicodeAttribute(null=True)
    project_id = UnicodeAttribute(null=True)
    followers = ListAttribute(of=UnicodeAttribute, null=True)
    by_owner = ByOwner()
    by_repo = ByRepo()
    by_visibility = ByVisibility()


class RunModel(Model):
    class Meta:
        table_name = "switchyard-runs"

    class ByProject(GlobalSecondaryIndex):
        class Meta:
            index_name = "by-project"
            projection = AllProjection()

        project_id = UnicodeAttribute(hash_key=True)
        number = NumberAttribute(range_key=True)

    class ByOwnerCreated(GlobalSecondaryIndex):
        class Meta:
            index_name = "by-owner-created"
            projection = AllProjection()

        owner_id = UnicodeAttribute(hash_key=True)
        created_at = UnicodeAttribute(range_key=True)

    class ByOwnerSeq(GlobalSecondaryIndex):
        class Meta:
            index_name = "by-owner-seq"
            projection = AllProjection()

        owner_id = UnicodeAttribute(hash_key=True)
        seq = NumberAttribute(range_key=True)

    class BySeq(GlobalSecondaryIndex):
        class Meta:
            index_name = "by-seq"
            projection = KeysOnlyProjection()

        seq = NumberAttribute(hash_key=True)

    class OpenRuns(GlobalSecondaryIndex):
        class Meta:
            index_name = "open-runs"
            projection = KeysOnlyProjection()

        open_shard = UnicodeAttribute(hash_key=True)
        updated_at = UnicodeAttribute(range_key=True)

    id = UnicodeAttribute(hash_key=True)
    project_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    number = NumberAttribute()
    seq = NumberAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    open_shard = UnicodeAttribute(null=True)
    state = UnicodeAttribute()
    history = JSONAttribute(default=list)
    trigger = JSONAttribute(default=dict)
    commit_sha = UnicodeAttribute(null=True)
    branch = UnicodeAttribute(null=True)
    config_kind = UnicodeAttribute(null=True)
    job_count = NumberAttribute(default=0)
    error = UnicodeAttribute(null=True)
    kernel = UnicodeAttribute(null=True)
    external_status = UnicodeAttribute(null=True)
    version = VersionAttribute()
    by_project = ByProject()
    by_owner_created = ByOwnerCreated()
    by_owner_seq = ByOwnerSeq()
    by_seq = BySeq()
    open_runs = OpenRuns()


class JobModel(Model):
    class Meta:
        table_name = "switchyard-jobs"

    class ByRun(GlobalSecondaryIndex):
        class Meta:
            index_name = "by-run"
            projection = AllProjection()

        run_id = UnicodeAttribute(hash_key=True)
        number = NumberAttribute(range_key=True)

    class ByProjectBuild(GlobalSecondaryIndex):
        class Meta:
            index_name = "by-project-build"
            projection = AllProjection()

        project_id = UnicodeAttribute(hash_key=True)
        build_num = NumberAttribute(range_key=True)

    class ByOwnerCreated(GlobalSecondaryIndex):
        class Meta:
            index_name = "by-owner-created"
            projection = AllProjection()

        owner_id = UnicodeAttribute(hash_key=True)
        created_at = UnicodeAttribute(range_key=True)

    class Leases(GlobalSecondaryIndex):
        class Meta:
            index_name = "leases"
            projection = KeysOnlyProjection()

        lease_shard = UnicodeAttribute(hash_key=True)
        lease_expires = NumberAttribute(range_key=True)

    id = UnicodeAttribute(hash_key=True)
    run_id = UnicodeAttribute()
    number = NumberAttribute()
    project_id = UnicodeAttribute()
    build_num = NumberAttribute()
    owner_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    lease_shard = UnicodeAttribute(null=True)
    lease_expires = NumberAttribute(null=True)
    state = UnicodeAttribute()
    history = JSONAttribute(default=list)
    branch = UnicodeAttribute(null=True)
    commit_sha = UnicodeAttribute(null=True)
    is_pull_request = BooleanAttribute(default=False)
    label = UnicodeAttribute(default="")
    env = ListAttribute(of=UnicodeAttribute, default=list)
    allow_failure = BooleanAttribute(default=False)
    timeout_seconds = NumberAttribute(default=3600)
    plan = JSONAttribute(default=list)
    steps = JSONAttribute(default=list)
    node_index = NumberAttribute(default=0)
    node_total = NumberAttribute(default=1)
    runner_id = UnicodeAttribute(null=True)
    runner_host = UnicodeAttribute(null=True)
    cancel_requested = BooleanAttribute(default=False)
    status_message = UnicodeAttribute(null=True)
    tests = MapAttribute(default=dict)
    coverage = MapAttribute(default=dict)
    log_bytes = NumberAttribute(default=0)
    log_lines = NumberAttribute(default=0)
    artifacts = JSONAttribute(default=list)
    archive_key = UnicodeAttribute(null=True)
    retry_of = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    version = VersionAttribute()
    by_run = ByRun()
    by_project_build = ByProjectBuild()
    by_owner_created = ByOwnerCreated()
    leases = Leases()


class ReportModel(Model):
    """Test cases and coverage classes of a job, ordered by their sort key."""

    class Meta:
        table_name = "switchyard-reports"

    job_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = JSONAttribute(default=dict)


class CounterModel(Model):
    class Meta:
        table_name = "switchyard-counters"

    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)


class SecretModel(Model):
    """A project environment variable, its value encrypted with the service's KMS key."""

    class Meta:
        table_name = "switchyard-secrets"

    project_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)
    ciphertext = UnicodeAttribute()
    last4 = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()


_TABLES: dict[type[Model], str] = {
    AccountModel: "accounts_table",
    TokenModel: "tokens_table",
    ProjectModel: "projects_table",
    RunModel: "runs_table",
    JobModel: "jobs_table",
    ReportModel: "reports_table",
    CounterModel: "counters_table",
    SecretModel: "secrets_table",
}


def configure(settings: Settings | None = None) -> None:
    """Point every model at the tables named in settings (and drop cached connections)."""
    settings = settings or get_settings()
    for model, attr in _TABLES.items():
        model.Meta.table_name = getattr(settings, attr)
        model.Meta.region = settings.region
        model._connection = None


configure()
