"""Cold start of each API function: a fresh interpreter importing functions/<name>/app.py (Lambda's init phase)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench import Figure

ROOT = Path(__file__).resolve().parents[1]
TRIES = 5
GOAL_MS = 300
PROBE = """
import importlib.util, json, sys, time
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps({"ms": (time.perf_counter() - started) * 1000, "modules": len(sys.modules)}))
"""


FLOOR = """
import json, time
started = time.perf_counter()
import botocore.session, pynamodb.models, aws_lambda_powertools.event_handler, pydantic
print(json.dumps({"ms": (time.perf_counter() - started) * 1000}))
"""


def api_functions() -> list[str]:
    from switchyard.local.template import load

    template = load(ROOT / "template.yaml")
    return sorted({template.functions[r.function].code_uri.strip("/") for r in template.routes})


def lambda_python() -> tuple[str, str]:
    """An interpreter with only what Lambda has: the layer's requirements plus boto3 (the runtime's own).

    The dev venv also holds the SAM CLI's dependencies (awscrt, pyOpenSSL), which boto3 imports when present
    and which would add ~100 ms that a deployed function never pays. Built once into bench/results/.
    """
    venv = ROOT / "bench" / "results" / "lambda-venv"
    python = venv / "bin" / "python"
    requirements = ROOT / "layers" / "core" / "requirements.txt"
    stamp = venv / "requirements.txt"
    if not (python.exists() and stamp.exists() and stamp.read_text() == requirements.read_text()):
        try:
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(requirements), "boto3"],
                           check=True, capture_output=True)
            stamp.write_text(requirements.read_text())
        except subprocess.CalledProcessError:
            return sys.executable, "the dev venv (a Lambda-like venv could not be installed)"
    return str(python), "a venv of the layer's requirements + boto3, as Lambda has"


def import_ms(python: str, code_dir: str | None) -> float:
    """The import of functions/<code_dir>/app.py, or (None) of the third-party libraries alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SWITCHYARD_", "AWS_", "PYTHON"))}
    env.update(PYTHONPATH=str(ROOT / "layers" / "core"), AWS_DEFAULT_REGION="us-east-1")
    argv = [python, "-c", FLOOR] if code_dir is None else [python, "-c", PROBE, str(ROOT / code_dir / "app.py")]
    out = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{code_dir or 'the libraries'} do not import with {python}:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])["ms"]


def run() -> list[Figure]:
    python, where = lambda_python()
    import_ms(python, None)
    floor = statistics.median(import_ms(python, None) for _ in range(TRIES))
    figures = [Figure("cold import of the libraries alone (median)", round(floor), "ms", "for reference", True, "",
                      "botocore, PynamoDB, Powertools' event handler, pydantic: "
                      "what every function imports before a line of ours")]
    for code_dir in api_functions():
        import_ms(python, code_dir)  # compiles the .pyc files once, as a deployed package ships them
        timings = [import_ms(python, code_dir) for _ in range(TRIES)]
        median = statistics.median(timings)
        figures.append(Figure(f"cold import of {code_dir}/app.py (median of {TRIES})", round(median), "ms",
                              f"≤ {GOAL_MS} ms", median <= GOAL_MS, "",
                              f"fresh interpreter of {where}, start-up excluded; max {max(timings):.0f} ms"))
    return figures
