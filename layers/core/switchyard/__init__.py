"""Switchyard: serverless CI that speaks Shippable, CircleCI v1.1, Puppet orchestrator and KernelCI."""

__version__ = "0.1.0"
