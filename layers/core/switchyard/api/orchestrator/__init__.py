"""Puppet orchestrator's jobs API (seed 003) at /orchestrator/v1: a run is a job, its jobs are the job's nodes."""
