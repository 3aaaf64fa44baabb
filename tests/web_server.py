"""A her2resist web server in a subprocess on 127.0.0.1, for the crash and browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SRC = Path(__file__).parent.parent / "src"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data: Path, port: int, *options: str) -> subprocess.Popen:
    """``her2resist serve --data DATA --port PORT OPTIONS`` on 127.0.0.1, once it answers."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    main = "from her2resist.cli.main import main; main()"
    data.mkdir(parents=True, exist_ok=True)
    log = open(data / "server.log", "ab")  # noqa: SIM115 -- the server keeps writing to it
    proc = subprocess.Popen([sys.executable, "-c", main, "serve", "--data", str(data),
                             "--port", str(port), "--workers", "1", *options], env=env,
                            stdout=log, stderr=log)
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    text = (data / "server.log").read_text(errors="replace")[-2000:]
    raise AssertionError(f"the server did not start: {text}")
