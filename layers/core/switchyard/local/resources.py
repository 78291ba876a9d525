"""Creates every table, index, queue (with redrive), bucket and KMS key of template.yaml in the emulator."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .template import Template

_TABLE_KEYS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "BillingMode")


@dataclass
class Physical:
    """Physical names and URLs of the template's resources, by logical id."""

    tables: dict[str, str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)
    queue_arns: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    kms_keys: dict[str, str] = field(default_factory=dict)

    def ref(self, logical: str) -> str | None:
        for mapping in (self.tables, self.queue_urls, self.buckets, self.kms_keys):
            if logical in mapping:
                return mapping[logical]
        return None


def bucket_name(logical: str) -> str:
    return f"switchyard-{logical.lower()}"


def create_all(template: Template, clients: dict[str, Any], kms_keys: dict[str, str]) -> Physical:
    physical = Physical()
    _create_tables(template, clients["dynamodb"], physical)
    _create_queues(template, clients["sqs"], physical)
    for logical in template.buckets:
        name = bucket_name(logical)
        clients["s3"].create_bucket(Bucket=name)
        physical.buckets[logical] = name
    physical.kms_keys.update(kms_keys)
    return physical


def _create_tables(template: Template, dynamodb: Any, physical: Physical) -> None:
    existing = set(dynamodb.list_tables().get("TableNames", []))
    for logical, props in template.tables.items():
        physical.tables[logical] = logical
        if logical in existing:
            continue
        spec = {k: v for k, v in props.items() if k in _TABLE_KEYS}
        dynamodb.create_table(TableName=logical, **spec)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(
                TableName=logical, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
            )


def _create_queues(template: Template, sqs: Any, physical: Physical) -> None:
    # dead-letter queues first: redrive policies point at their ARNs
    ordered = sorted(template.queues.items(), key=lambda kv: "RedrivePolicy" in kv[1])
    for logical, props in ordered:
        attributes = {"VisibilityTimeout": str(props.get("VisibilityTimeout", 30))}
        if "MessageRetentionPeriod" in props:
            attributes["MessageRetentionPeriod"] = str(props["MessageRetentionPeriod"])
        redrive = props.get("RedrivePolicy")
        if redrive:
            target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": physical.queue_arns[target], "maxReceiveCount": int(redrive["maxReceiveCount"])}
            )
        url = sqs.create_queue(QueueName=logical, Attributes=attributes)["QueueUrl"]
        physical.queue_urls[logical] = url
        physical.queue_arns[logical] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]


def resolve_environment(variables: dict[str, Any], physical: Physical, extra: dict[str, str]) -> dict[str, str]:
    """The functions' environment with !Ref to tables, queues, buckets and keys replaced by local names."""
    env: dict[str, str] = {}
    for name, value in variables.items():
        if isinstance(value, dict) and "Ref" in value:
            resolved = physical.ref(value["Ref"])
            if resolved is not None:
                env[name] = resolved
        elif isinstance(value, str | int | float):
            env[name] = str(value)
    env.update(extra)
    return env
