"""Reads template.yaml: the one list of tables, queues, buckets, functions, routes and event sources."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form intrinsics (!Ref, !GetAtt, !Sub …) as plain dicts."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


@dataclass
class Route:
    method: str
    path: str
    function: str


@dataclass
class QueueSource:
    function: str
    queue: str
    batch_size: int
    report_failures: bool


@dataclass
class Schedule:
    function: str
    expression: str

    @property
    def seconds(self) -> int:
        match = re.match(r"rate\((\d+)\s+(minute|minutes|hour|hours|second|seconds)\)", self.expression)
        if not match:
            raise ValueError(f"unsupported schedule {self.expression!r}")
        amount, unit = int(match.group(1)), match.group(2)
        return amount * {"second": 1, "minute": 60, "hour": 3600}[unit.rstrip("s")]


@dataclass
class Function:
    name: str
    code_uri: str
    handler: str
    timeout: int
    environment: dict[str, Any] = field(default_factory=dict)


@dataclass
class Template:
    path: Path
    resources: dict[str, dict[str, Any]]
    functions: dict[str, Function]
    routes: list[Route]
    queue_sources: list[QueueSource]
    schedules: list[Schedule]
    global_environment: dict[str, Any]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: r.get("Properties", {}) for name, r in self.resources.items() if r.get("Type") == kind}

    @property
    def tables(self) -> dict[str, dict[str, Any]]:
        return self.of_type("AWS::DynamoDB::Table")

    @property
    def queues(self) -> dict[str, dict[str, Any]]:
        return self.of_type("AWS::SQS::Queue")

    @property
    def buckets(self) -> dict[str, dict[str, Any]]:
        return self.of_type("AWS::S3::Bucket")

    @property
    def kms_keys(self) -> dict[str, dict[str, Any]]:
        return self.of_type("AWS::KMS::Key")


def load(path: Path) -> Template:
    doc = yaml.load(path.read_text(), Loader=_CfnLoader)
    resources: dict[str, dict[str, Any]] = doc.get("Resources", {})
    globals_fn = doc.get("Globals", {}).get("Function", {})
    functions: dict[str, Function] = {}
    routes: list[Route] = []
    sources: list[QueueSource] = []
    schedules: list[Schedule] = []
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        functions[name] = Function(
            name=name,
            code_uri=props["CodeUri"],
            handler=props.get("Handler", globals_fn.get("Handler", "app.lambda_handler")),
            timeout=int(props.get("Timeout", globals_fn.get("Timeout", 3))),
            environment=props.get("Environment", {}).get("Variables", {}),
        )
        for event in (props.get("Events") or {}).values():
            kind, ev = event.get("Type"), event.get("Properties", {})
            if kind == "Api":
                routes.append(Route(ev["Method"].upper(), ev["Path"], name))
            elif kind == "SQS":
                queue = ev["Queue"]
                queue_name = queue["Fn::GetAtt"][0] if isinstance(queue, dict) else queue
                sources.append(
                    QueueSource(
                        name,
                        queue_name,
                        int(ev.get("BatchSize", 10)),
                        "ReportBatchItemFailures" in (ev.get("FunctionResponseTypes") or []),
                    )
                )
            elif kind == "Schedule":
                schedules.append(Schedule(name, ev["Schedule"]))
    return Template(
        path=path,
        resources=resources,
        functions=functions,
        routes=routes,
        queue_sources=sources,
        schedules=schedules,
        global_environment=globals_fn.get("Environment", {}).get("Variables", {}),
    )
