"""Running Python in a child process from a test: a hang fails the test, never blocks the suite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence

import pytest


def run_python(
    args: Sequence[str], *, timeout: float, **popen_kwargs
) -> subprocess.CompletedProcess:
    """``python ARGS`` in its own session, output captured as text.

    On a time-out the whole process group is killed and the calling test
    fails (a hang must not block the suite); otherwise the completed process
    is returned for the caller to check.
    """
    proc = subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **popen_kwargs,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"python {' '.join(args)[:200]} did not finish within {timeout} s (a hang)")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
