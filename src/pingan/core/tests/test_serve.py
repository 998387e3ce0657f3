"""`pingan serve --with-worker`, as the demo runs it: the web server answers, a worker runs
beside it, and the worker ends when the server is stopped, so no orphan keeps the database."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import pingan

WAIT_SECONDS = 120
SOURCE_DIR = Path(pingan.__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[tuple[int, str]]:
    """Processes whose parent is ``pid``, with their command lines (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.append((int(entry.name), command))
    return found


def _wait(check, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"waited {WAIT_SECONDS} s for {what}")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; the worker's tie is Linux's")
def test_the_worker_runs_beside_the_server_and_ends_with_it(tmp_path):
    pingan = shutil.which("pingan", path=os.path.dirname(sys.executable))
    port = _free_port()
    # Its own SQLite database in tmp_path, whatever database the tests run on.
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env |= {"PINGAN_VAR_DIR": str(tmp_path), "PINGAN_DEBUG": "0",
            # This checkout's code, whichever checkout the installed `pingan` was installed from.
            "PYTHONPATH": str(SOURCE_DIR), "DJANGO_SETTINGS_MODULE": "pingan.core.tests.serve_settings"}
    command = [pingan, "serve", "--with-worker", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
                    return response.status == 200
            except OSError:
                return False

        _wait(answers, "the server to answer")
        workers = [pid for pid, command in _children(server.pid) if command.split()[1:2] == [pingan]
                   and " worker" in command]
        assert len(workers) == 1, _children(server.pid)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=WAIT_SECONDS)
        _wait(lambda: not Path(f"/proc/{workers[0]}").exists() or _is_zombie(workers[0]),
              "the worker to end with the server")
    finally:
        if server.poll() is None:
            server.kill()


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
