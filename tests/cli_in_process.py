"""`caseflow ARGS` run in this process, through the console script's own entry point `workflows.cli.main`.

A person sees the same as from the installed script: what is printed on stdout and stderr, the exit status (main
always ends in sys.exit, turning errors into one line) and settings read from the given environment only. It costs
milliseconds where a process costs seconds (Python, then Prefect's import); tests/e2e keeps real processes for what
only they show: the installed script's exit status, `caseflow up`, signals.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass

import structlog

from workflows.cli import main
from workflows.persistence import audit_keys


@dataclass(frozen=True)
class Ran:
    """What a run of the command printed and its exit status, as subprocess.CompletedProcess names them."""

    returncode: int
    stdout: str
    stderr: str


def run_main(*args: str, env: Mapping[str, str]) -> Ran:
    """Run `caseflow ARGS` with `env` as the whole environment; the process is as it was afterwards."""
    out, err = io.StringIO(), io.StringIO()
    with _isolated(env, args), redirect_stdout(out), redirect_stderr(err):
        try:
            main()
        except SystemExit as exited:
            code = exited.code
        else:
            raise AssertionError(f"caseflow {' '.join(args)}: main returned instead of exiting")
    if isinstance(code, str):  # as the interpreter does with sys.exit("message")
        err.write(code + "\n")
    return Ran(code if isinstance(code, int) else int(code is not None), out.getvalue(), err.getvalue())


@contextmanager
def _isolated(env: Mapping[str, str], args: tuple[str, ...]) -> Iterator[None]:
    """The command's environment and argv; the logging set-up and audit keyring it changes (bootstrap installs
    them) put back."""
    environ, argv = dict(os.environ), sys.argv
    keyring = audit_keys.current_keyring()
    ours = logging.getLogger("caseflow")
    handlers, level, propagate = list(ours.handlers), ours.level, ours.propagate
    structlog_config = structlog.get_config()
    os.environ.clear()
    os.environ.update(env)
    sys.argv = ["caseflow", *args]
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(environ)
        sys.argv = argv
        ours.handlers[:] = handlers
        ours.setLevel(level)
        ours.propagate = propagate
        structlog.configure(**structlog_config)
        audit_keys.install_keyring(keyring)
