"""Load test of the sample-library routes of a running `tonewheel serve`.

Usage: library_load.py [--base http://127.0.0.1:7878] [--gets 1000] [--uploads 20] [--token T]

Standard library only (shares the request and percentile helpers of render_load.py). It
uploads one generated 10 s WAV, then fires, each phase all at once with one connection per
request: GET /api/audio/{id} (whole file), GET /api/audio/{id} with a 64 KiB Range,
GET /database/files?query=..., GET /api/waveform/{id} (cached after the first), and
concurrent uploads of distinct generated files (each decoded and analysed on the server,
one per core). Results vary with the machine: this is a measuring tool, not a test.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import struct
import sys
import uuid
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from render_load import phase, request  # noqa: E402

RATE = 22050


def tone_wav(freq_hz: float, seconds: float) -> bytes:
    """A mono 16-bit WAV of a sine at half scale."""
    n = int(seconds * RATE)
    frames = b"".join(
        struct.pack("<h", int(16383 * math.sin(2 * math.pi * freq_hz * i / RATE))) for i in range(n)
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(frames)
    return out.getvalue()


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with `data` in field `file`, and its content type."""
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:7878")
    parser.add_argument("--gets", type=int, default=1000)
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--token", default=None)
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}

    tone = tone_wav(440.0, 10.0)
    body, content_type = multipart("load-tone.wav", tone)
    status, _, _ = request(args.base, "POST", "/api/analyze/upload", body, dict(headers, **{"Content-Type": content_type}))
    if status not in (200, 201):
        print(f"upload failed with {status}", file=sys.stderr)
        return 1
    listing = request_json(args.base, "/database/files?query=load-tone&limit=1", headers)
    file_id = listing["files"][0]["id"]

    audio = f"/api/audio/{file_id}"
    ok = phase(f"GET {audio} x{args.gets} (whole file, {len(tone) // 1024} KiB)", args.gets,
               lambda: request(args.base, "GET", audio, None, headers))
    ranged = dict(headers, Range="bytes=65536-131071")
    ok &= phase(f"GET {audio} x{args.gets} (Range 64 KiB)", args.gets,
                lambda: request(args.base, "GET", audio, None, ranged), ok_status=206)
    files = "/database/files?query=load&sort=duration&limit=50"
    ok &= phase(f"GET {files} x{args.gets}", args.gets, lambda: request(args.base, "GET", files, None, headers))
    waveform = f"/api/waveform/{file_id}"
    request(args.base, "GET", waveform, None, headers)  # computes and caches it
    ok &= phase(f"GET {waveform} x{args.gets} (cached)", args.gets,
                lambda: request(args.base, "GET", waveform, None, headers))

    # Distinct content per upload (another frequency) and names new to this run, so each one
    # is analysed and inserted.
    run = uuid.uuid4().hex[:8]
    bodies = [multipart(f"load-{run}-{i}.wav", tone_wav(200.0 + 10.0 * i, 2.0)) for i in range(args.uploads)]
    ok &= phase(
        f"POST /api/analyze/upload x{args.uploads} (2 s WAV each, distinct)",
        args.uploads,
        lambda i: request(args.base, "POST", "/api/analyze/upload", bodies[i][0],
                          dict(headers, **{"Content-Type": bodies[i][1]})),
        ok_status=201,
    )
    return 0 if ok else 1


def request_json(base: str, path: str, headers: dict) -> dict:
    import http.client
    import urllib.parse

    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
