"""Load test of ``her2resist serve`` on 127.0.0.1: concurrent predictions and report uploads.

Starts a server on the loopback interface (a fresh data folder, 50 users), fills the
prediction cache with one call per query, then times

- 50 concurrent clients x 20 cached predictions each (``POST /api/predict``), and
- 10 concurrent report uploads (``POST /api/reports``, the example YAML profile),

and prints p50/p95/max latency, throughput and the error count (the run fails on any error).
Target: p95 <= 100 ms for a cached prediction. Every loop is bounded, every request goes to
127.0.0.1 only. The client and the server share this machine's CPUs: on a shared machine the
figures include the others' load, and the clients' own work.

Run: ``python benchmarks/bench_web.py [--clients 50] [--requests 20] [--uploads 10]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only, by design
EXAMPLE = ROOT / "examples" / "profiles" / "her2_pik3ca.yaml"
QUERIES = [
    {"alterations": ["PTEN loss"], "regimen": "trastuzumab"},
    {"alterations": ["PIK3CA H1047R"], "regimen": "T-DM1"},
    {"alterations": [], "regimen": "trastuzumab + pertuzumab"},
    {"alterations": ["CCNE1 amplification"], "regimen": "lapatinib"},
    {"alterations": ["p95HER2"], "regimen": "trastuzumab + everolimus"},
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    code = "from her2resist.cli.main import main; main()"
    log = open(data / "server.log", "ab")  # noqa: SIM115 -- the server writes to it
    proc = subprocess.Popen([sys.executable, "-c", code, "serve", "--host", HOST, "--port",
                             str(port), "--data", str(data), "--rate-limit", "100000"],
                            env=env, stdout=log, stderr=log)
    log.close()
    for _ in range(300):  # at most 60 s
        try:
            httpx.get(f"http://{HOST}:{port}/openapi.json", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the server did not start; see {data / 'server.log'}")


def make_tokens(data: Path, count: int) -> list[str]:
    sys.path.insert(0, str(ROOT / "src"))
    from her2resist.web.auth import add_user
    from her2resist.web.config import Settings
    from her2resist.web.storage import Store

    store = Store(Settings(data_dir=data).database_url)
    return [add_user(store, f"client{i}")[1] for i in range(count)]


async def timed(client: httpx.AsyncClient, method: str, url: str, **kwargs: object
                ) -> tuple[float, int]:
    start = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
        status = response.status_code
    except httpx.HTTPError:
        status = 0
    return time.perf_counter() - start, status


async def predictions(port: int, tokens: list[str], per_client: int
                      ) -> list[tuple[float, int]]:
    """Each client: one keep-alive connection, ``per_client`` requests one after another.

    A minimal HTTP/1.1 client on asyncio streams: the load generator shares the machine with
    the server, and httpx would spend more CPU per request than the server does.
    """
    async def one_client(index: int, token: str) -> list[tuple[float, int]]:
        reader, writer = await asyncio.open_connection(HOST, port)
        out = []
        try:
            for i in range(per_client):
                body = json.dumps(QUERIES[(index + i) % len(QUERIES)]).encode()
                head = (f"POST /api/predict HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
                        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n").encode()
                start = time.perf_counter()
                writer.write(head + body)
                status = await asyncio.wait_for(read_response(reader), timeout=60)
                out.append((time.perf_counter() - start, status))
        finally:
            writer.close()
        return out

    results = await asyncio.gather(*(one_client(i, t) for i, t in enumerate(tokens)))
    return [r for rs in results for r in rs]


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one response (headers and a Content-Length body); its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next((int(line.split(":", 1)[1]) for line in lines
                   if line.lower().startswith("content-length:")), 0)
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def uploads(base: str, tokens: list[str]) -> list[tuple[float, int]]:
    data = EXAMPLE.read_bytes()

    async def one(token: str) -> tuple[float, int]:
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as client:
            return await timed(client, "POST", "/api/reports",
                               files={"file": (EXAMPLE.name, data)})

    return list(await asyncio.gather(*(one(t) for t in tokens)))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(name: str, results: list[tuple[float, int]], ok: int, wall: float,
            server_cpu: float) -> int:
    times = sorted(t * 1000 for t, _ in results)
    errors = sum(1 for _, status in results if status != ok)
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(f"{name:<28} n={len(times):5d}  p50 {statistics.median(times):7.1f} ms  "
          f"p95 {p95:7.1f} ms  max {times[-1]:7.1f} ms  {len(times) / wall:7.1f} req/s  "
          f"errors {errors}  server CPU {server_cpu / len(times) * 1000:.2f} ms/request")
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--uploads", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as folder:
        data, port = Path(folder), free_port()
        tokens = make_tokens(data, max(args.clients, args.uploads))
        server = start_server(data, port)
        base = f"http://{HOST}:{port}"
        try:
            headers = {"Authorization": f"Bearer {tokens[0]}"}
            for query in QUERIES:  # fill the prediction cache
                httpx.post(f"{base}/api/predict", json=query, headers=headers,
                           timeout=120).raise_for_status()
            print(f"her2resist serve on {base}; {os.cpu_count()} CPUs shared by client and "
                  f"server (and by anyone else on this machine)")
            start, cpu = time.perf_counter(), cpu_seconds(server.pid)
            pred = asyncio.run(predictions(port, tokens[:args.clients], args.requests))
            errors = summary(f"predict (cached), {args.clients} clients", pred, 200,
                             time.perf_counter() - start, cpu_seconds(server.pid) - cpu)
            start, cpu = time.perf_counter(), cpu_seconds(server.pid)
            up = asyncio.run(uploads(base, tokens[:args.uploads]))
            errors += summary(f"report upload, {args.uploads} at once", up, 201,
                              time.perf_counter() - start, cpu_seconds(server.pid) - cpu)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
    print(f"errors: {errors}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
