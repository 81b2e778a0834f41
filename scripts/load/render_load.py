"""Load test of a running `tonewheel serve`: concurrent POST /api/render and cached GET previews.

Usage: render_load.py [--base http://127.0.0.1:7878] [--renders 100] [--gets 1000]
                      [--preset ID] [--duration 0.5] [--token T]

Standard library only. Each phase fires all its requests at once from a thread pool (one
thread and one connection per request, so the server sees that many concurrent clients) and
prints latency percentiles and throughput. The GET phase first warms the preview cache with
one request, so it measures cached answers. Results vary with the machine: this is a
measuring tool, not a test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor


def request(base: str, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, int, float]:
    """One request on its own connection: (status, body bytes, seconds)."""
    url = urllib.parse.urlsplit(base)
    started = time.perf_counter()
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=300)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, len(data), time.perf_counter() - started
    finally:
        conn.close()


def percentile(sorted_s: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_s:
        return float("nan")
    rank = max(1, min(len(sorted_s), round(p / 100.0 * len(sorted_s) + 0.5)))
    return sorted_s[rank - 1]


def phase(name: str, count: int, call, ok_status: int = 200) -> bool:
    """Fires `count` calls at once (`call(i)` for i in 0..count, or `call()`), prints the
    latency percentiles of those answered `ok_status`, and says whether all were."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(lambda i: call(i) if call.__code__.co_argcount else call(), range(count)))
    wall_s = time.perf_counter() - started
    ok = [r for r in results if r[0] == ok_status]
    latencies = sorted(r[2] for r in ok)
    print(
        f"{name}: {len(ok)}/{count} ok in {wall_s:.2f} s ({count / wall_s:.1f} req/s), "
        f"p50 {percentile(latencies, 50) * 1000:.1f} ms, p99 {percentile(latencies, 99) * 1000:.1f} ms, "
        f"max {latencies[-1] * 1000 if latencies else float('nan'):.1f} ms"
    )
    statuses = sorted({r[0] for r in results if r[0] != ok_status})
    if statuses:
        print(f"{name}: other statuses: {statuses}", file=sys.stderr)
    return len(ok) == count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:7878")
    parser.add_argument("--renders", type=int, default=100)
    parser.add_argument("--gets", type=int, default=1000)
    parser.add_argument("--preset", default=None, help="preset id (default: the first listed)")
    parser.add_argument("--duration", type=float, default=0.5)
    parser.add_argument("--token", default=None)
    args = parser.parse_args()

    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    preset = args.preset
    if preset is None:
        url = urllib.parse.urlsplit(args.base)
        conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
        conn.request("GET", "/api/presets?limit=1", headers=headers)
        preset = json.loads(conn.getresponse().read())["presets"][0]["id"]
        conn.close()

    body = json.dumps({"preset_id": preset, "duration": args.duration}).encode()
    post_headers = dict(headers, **{"Content-Type": "application/json"})
    ok = phase(
        f"POST /api/render x{args.renders} ({preset}, {args.duration} s)",
        args.renders,
        lambda: request(args.base, "POST", "/api/render", body, post_headers),
    )

    audio = f"/api/presets/{urllib.parse.quote(preset)}/audio?duration={args.duration}"
    request(args.base, "GET", audio, None, headers)  # warm the cache
    ok &= phase(
        f"GET {audio} x{args.gets} (cached)",
        args.gets,
        lambda: request(args.base, "GET", audio, None, headers),
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
