#!/usr/bin/env python3
"""Scores `tonewheel analyze --json` output against the accuracy corpus' truth.

  evaluate.py CORPUS_DIR --tonewheel PATH_TO_BINARY [--out results.json] [--save-jsonl raw.jsonl]
  evaluate.py CORPUS_DIR --from-jsonl FILE [--out results.json]

Metrics (see docs/accuracy.md): tempo Accuracy1 (within 4 %) and Accuracy2 (also x2, x1/2, x3, x1/3); key exact
and MIREX weighted score (1 exact, 0.5 fifth, 0.3 relative, 0.2 parallel; `mir_eval.key.weighted_score` when
installed); pitch within ±50 cents; region starts and ends within 50 ms (precision, recall, F).
Markdown goes to stdout, the full results (summary, breakdowns, every item) to `--out` as JSON.

Only the standard library is required; `mir_eval` is used when importable.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from collections import defaultdict

TEMPO_TOLERANCE = 0.04
TEMPO_FACTORS = (1.0, 2.0, 0.5, 3.0, 1.0 / 3.0)
PITCH_TOLERANCE_CENTS = 50.0
REGION_TOLERANCE_S = 0.05
TARGETS = {"tempo_accuracy1": 0.95, "key_weighted": 0.90, "pitch_accuracy": 0.98}

PITCH_CLASSES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
_NATURAL = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


# ---------------------------------------------------------------------------------------------------------------------
# Loading


def load_jsonl(path: str) -> list[dict]:
    rows = []
    with open(path) as f:
        for line_no, line in enumerate(f, 1):
            line = line.strip()
            if not line.startswith("{"):
                continue  # progress or log lines mixed into the stream
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                print(f"warning: {path}:{line_no}: not JSON ({e})", file=sys.stderr)
    return rows


def run_tonewheel(binary: str, files: list[str], jobs: int, save_path: str | None) -> list[dict]:
    cmd = [binary, "analyze", "--json", "--jobs", str(jobs), *files]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    # Exit code 1 means "some file failed"; those files carry an `error` and are scored as misses.
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"tonewheel exited with {proc.returncode}")
    if save_path:
        with open(save_path, "w") as f:
            f.write(proc.stdout)
    rows = []
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                print(f"warning: tonewheel printed a line that is not JSON: {line[:120]}", file=sys.stderr)
    return rows


def index_results(rows: list[dict], corpus_dir: str) -> dict[str, dict]:
    """Keys results by path relative to the corpus, whatever form (absolute, relative, ./) `file` has."""
    corpus_real = os.path.realpath(corpus_dir)
    out = {}
    for row in rows:
        f = row.get("file")
        if not isinstance(f, str):
            continue
        candidates = [os.path.realpath(f), os.path.realpath(os.path.join(corpus_dir, f))]
        rel = None
        for c in candidates:
            if c.startswith(corpus_real + os.sep):
                rel = os.path.relpath(c, corpus_real)
                break
        if rel is None:
            # Output produced on another machine: keep the last two path parts (set/name.wav).
            rel = os.path.join(*os.path.normpath(f).split(os.sep)[-2:])
        out[rel] = row
    return out


# ---------------------------------------------------------------------------------------------------------------------
# Per-metric scores


def tempo_scores(ref_bpm: float, est_bpm) -> tuple[bool, bool, float | None]:
    """(Accuracy1 hit, Accuracy2 hit, relative error of the nearest allowed factor)."""
    if not isinstance(est_bpm, (int, float)) or not math.isfinite(est_bpm) or est_bpm <= 0:
        return False, False, None
    acc1 = abs(est_bpm - ref_bpm) <= TEMPO_TOLERANCE * ref_bpm
    errs = [abs(est_bpm - f * ref_bpm) / (f * ref_bpm) for f in TEMPO_FACTORS]
    return acc1, min(errs) <= TEMPO_TOLERANCE, abs(est_bpm - ref_bpm) / ref_bpm


def parse_pitch_class(name) -> int | None:
    if not isinstance(name, str) or not name:
        return None
    name = name.strip()
    base = _NATURAL.get(name[0].upper())
    if base is None:
        return None
    for ch in name[1:]:
        if ch in "#♯":
            base += 1
        elif ch in "b♭":
            base -= 1
        else:
            return None
    return base % 12


def parse_mode(mode) -> str | None:
    if not isinstance(mode, str):
        return None
    m = mode.strip().lower()
    return {"major": "major", "maj": "major", "minor": "minor", "min": "minor"}.get(m)


def weighted_key_score_own(ref_pc: int, ref_mode: str, est_pc: int, est_mode: str) -> float:
    """MIREX key score, written from the MIREX definition (same rules as mir_eval.key.weighted_score)."""
    if ref_pc == est_pc and ref_mode == est_mode:
        return 1.0
    if ref_mode == est_mode and (est_pc - ref_pc) % 12 == 7:
        return 0.5  # perfect fifth above
    if ref_mode == "major" and est_mode == "minor" and (ref_pc - est_pc) % 12 == 3:
        return 0.3  # relative minor
    if ref_mode == "minor" and est_mode == "major" and (est_pc - ref_pc) % 12 == 3:
        return 0.3  # relative major
    if ref_pc == est_pc and ref_mode != est_mode:
        return 0.2  # parallel
    return 0.0


try:  # pragma: no cover - depends on the environment
    import mir_eval.key as _mir_key

    def weighted_key_score(ref_pc: int, ref_mode: str, est_pc: int, est_mode: str) -> float:
        return float(_mir_key.weighted_score(f"{PITCH_CLASSES[ref_pc]} {ref_mode}",
                                             f"{PITCH_CLASSES[est_pc]} {est_mode}"))

    KEY_SCORER = "mir_eval.key.weighted_score"
except Exception:  # noqa: BLE001 - any import problem (missing, broken numpy) means "use our own"
    weighted_key_score = weighted_key_score_own
    KEY_SCORER = "own implementation of the MIREX rules (mir_eval not importable)"


def pitch_error_cents(ref_midi: int, pitch) -> float | None:
    if not isinstance(pitch, dict):
        return None
    ref_hz = 440.0 * 2.0 ** ((ref_midi - 69) / 12.0)
    f0 = pitch.get("f0_hz")
    if isinstance(f0, (int, float)) and f0 > 0 and math.isfinite(f0):
        return 1200.0 * math.log2(f0 / ref_hz)
    note = pitch.get("midi_note")
    if isinstance(note, (int, float)):
        cents = pitch.get("cents") if isinstance(pitch.get("cents"), (int, float)) else 0.0
        return (note - ref_midi) * 100.0 + cents
    return None


def match_events(ref: list[float], est: list[float], window_s: float) -> int:
    """Largest one-to-one matching of events within `window_s` (both lists sorted; for 1-D intervals a greedy
    left-to-right sweep is optimal)."""
    ref = sorted(ref)
    est = sorted(est)
    i = j = hits = 0
    while i < len(ref) and j < len(est):
        d = est[j] - ref[i]
        if abs(d) <= window_s:
            hits += 1
            i += 1
            j += 1
        elif d < 0:
            j += 1
        else:
            i += 1
    return hits


def prf(hits: int, n_ref: int, n_est: int) -> dict:
    p = hits / n_est if n_est else (1.0 if n_ref == 0 else 0.0)
    r = hits / n_ref if n_ref else 1.0
    f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return {"precision": p, "recall": r, "f": f, "hits": hits, "n_ref": n_ref, "n_est": n_est}


# ---------------------------------------------------------------------------------------------------------------------
# Scoring


def score(truths: list[dict], results: dict[str, dict], worst_n: int) -> dict:
    items = []
    for t in truths:
        r = results.get(t["path"])
        item = {"path": t["path"], "set": t["set"], "genre": t.get("genre"), "instrument": t.get("instrument")}
        if r is None:
            item["error"] = "no result for this file"
        elif r.get("error"):
            item["error"] = str(r["error"])
        r = r or {}
        if t["set"] == "tempo":
            est = (r.get("tempo") or {}).get("bpm") if isinstance(r.get("tempo"), dict) else None
            a1, a2, rel = tempo_scores(t["bpm"], est)
            item.update(ref_bpm=t["bpm"], est_bpm=est, acc1=a1, acc2=a2, rel_error=rel,
                        half_time=bool(t.get("half_time")), meter=t.get("meter"))
        elif t["set"] == "key":
            k = r.get("key") if isinstance(r.get("key"), dict) else {}
            ref_pc, ref_mode = parse_pitch_class(t["key"]), parse_mode(t["mode"])
            est_pc, est_mode = parse_pitch_class(k.get("tonic")), parse_mode(k.get("mode"))
            s = 0.0
            if est_pc is not None and est_mode is not None:
                s = weighted_key_score(ref_pc, ref_mode, est_pc, est_mode)
            est_name = f"{PITCH_CLASSES[est_pc]} {est_mode}" if est_pc is not None and est_mode else None
            item.update(ref_key=f"{t['key']} {t['mode']}", est_key=est_name, weighted=s, exact=s == 1.0,
                        mode=t["mode"], progression=t.get("progression"))
        elif t["set"] == "pitch":
            err = pitch_error_cents(t["midi"], r.get("pitch"))
            item.update(ref_midi=t["midi"], error_cents=err, f0_partial_db=t.get("f0_partial_db"),
                        correct=err is not None and abs(err) <= PITCH_TOLERANCE_CENTS,
                        octave_error=err is not None and abs(err) > PITCH_TOLERANCE_CENTS
                        and abs(err - 1200 * round(err / 1200)) <= PITCH_TOLERANCE_CENTS)
        elif t["set"] == "regions":
            ref = t["regions"]
            est = [x for x in (r.get("regions") or []) if isinstance(x, dict)
                   and isinstance(x.get("start_s"), (int, float)) and isinstance(x.get("end_s"), (int, float))]
            starts = prf(match_events([x["start_s"] for x in ref], [x["start_s"] for x in est],
                                      REGION_TOLERANCE_S), len(ref), len(est))
            ends = prf(match_events([x["end_s"] for x in ref], [x["end_s"] for x in est], REGION_TOLERANCE_S),
                       len(ref), len(est))
            item.update(n_ref=len(ref), n_est=len(est), start_hits=starts["hits"], end_hits=ends["hits"],
                        f=prf(starts["hits"] + ends["hits"], 2 * len(ref), 2 * len(est))["f"],
                        count_ok=len(ref) == len(est))
        items.append(item)
    return {"summary": summarize(items), "breakdown": breakdown(items), "worst": worst(items, worst_n),
            "items": items}


def _mean(xs) -> float | None:
    xs = list(xs)
    return sum(xs) / len(xs) if xs else None


def summarize(items: list[dict]) -> dict:
    by_set = defaultdict(list)
    for it in items:
        by_set[it["set"]].append(it)
    out = {}
    if by_set["tempo"]:
        t = by_set["tempo"]
        plain = [i for i in t if not i["half_time"]]
        out["tempo"] = {"n": len(t), "accuracy1": _mean(i["acc1"] for i in t), "accuracy2": _mean(i["acc2"] for i in t),
                        "accuracy1_without_half_time": _mean(i["acc1"] for i in plain),
                        "errors": sum(1 for i in t if "error" in i), "target_accuracy1": TARGETS["tempo_accuracy1"]}
    if by_set["key"]:
        k = by_set["key"]
        out["key"] = {"n": len(k), "exact": _mean(i["exact"] for i in k), "weighted": _mean(i["weighted"] for i in k),
                      "errors": sum(1 for i in k if "error" in i), "scorer": KEY_SCORER,
                      "target_weighted": TARGETS["key_weighted"]}
    if by_set["pitch"]:
        p = by_set["pitch"]
        errs = [abs(i["error_cents"]) for i in p if i["error_cents"] is not None and i["correct"]]
        out["pitch"] = {"n": len(p), "accuracy": _mean(i["correct"] for i in p),
                        "octave_errors": sum(1 for i in p if i["octave_error"]),
                        "missing": sum(1 for i in p if i["error_cents"] is None),
                        "median_abs_cents_when_correct": sorted(errs)[len(errs) // 2] if errs else None,
                        "errors": sum(1 for i in p if "error" in i), "target_accuracy": TARGETS["pitch_accuracy"]}
    if by_set["regions"]:
        g = by_set["regions"]
        n_ref = sum(i["n_ref"] for i in g)
        n_est = sum(i["n_est"] for i in g)
        out["regions"] = {"n": len(g), "starts": prf(sum(i["start_hits"] for i in g), n_ref, n_est),
                          "ends": prf(sum(i["end_hits"] for i in g), n_ref, n_est),
                          "boundaries": prf(sum(i["start_hits"] + i["end_hits"] for i in g), 2 * n_ref, 2 * n_est),
                          "count_exact": _mean(i["count_ok"] for i in g),
                          "errors": sum(1 for i in g if "error" in i), "tolerance_s": REGION_TOLERANCE_S}
    return out


def breakdown(items: list[dict]) -> dict:
    groups: dict[str, dict[str, list]] = {"tempo_by_genre": defaultdict(list), "key_by_style": defaultdict(list),
                                          "key_by_mode": defaultdict(list), "pitch_by_register": defaultdict(list),
                                          "pitch_by_instrument": defaultdict(list),
                                          "pitch_by_fundamental": defaultdict(list)}
    for it in items:
        if it["set"] == "tempo":
            groups["tempo_by_genre"][it["genre"]].append(it)
        elif it["set"] == "key":
            groups["key_by_style"][it["genre"]].append(it)
            groups["key_by_mode"][it["mode"]].append(it)
        elif it["set"] == "pitch":
            m = it["ref_midi"]
            reg = "28-47" if m < 48 else ("48-71" if m < 72 else "72-96")
            groups["pitch_by_register"][reg].append(it)
            groups["pitch_by_instrument"][it["instrument"]].append(it)
            db = it.get("f0_partial_db")
            if isinstance(db, (int, float)):
                strength = "weak (f0 partial < -20 dB)" if db < -20 else "strong (f0 partial >= -20 dB)"
                groups["pitch_by_fundamental"][strength].append(it)
    out = {}
    for name, g in groups.items():
        rows = {}
        for key, its in sorted(g.items()):
            if name.startswith("tempo"):
                rows[key] = {"n": len(its), "accuracy1": _mean(i["acc1"] for i in its),
                             "accuracy2": _mean(i["acc2"] for i in its)}
            elif name.startswith("key"):
                rows[key] = {"n": len(its), "exact": _mean(i["exact"] for i in its),
                             "weighted": _mean(i["weighted"] for i in its)}
            else:
                rows[key] = {"n": len(its), "accuracy": _mean(i["correct"] for i in its)}
        if rows:
            out[name] = rows
    return out


def worst(items: list[dict], n: int) -> dict:
    def pick(set_name, bad, order):
        its = [i for i in items if i["set"] == set_name and bad(i)]
        return sorted(its, key=order)[:n]

    big = float("inf")
    return {
        # Misses that no octave factor explains come before octave errors.
        "tempo": pick("tempo", lambda i: not i["acc1"],
                      lambda i: (i["acc2"], -(i["rel_error"] if i["rel_error"] is not None else big))),
        "key": pick("key", lambda i: not i["exact"], lambda i: i["weighted"]),
        "pitch": pick("pitch", lambda i: not i["correct"],
                      lambda i: -(abs(i["error_cents"]) if i["error_cents"] is not None else big)),
        "regions": pick("regions", lambda i: i["f"] < 1.0, lambda i: i["f"]),
    }


# ---------------------------------------------------------------------------------------------------------------------
# Markdown


def _pct(x) -> str:
    return "n/a" if x is None else f"{100.0 * x:.1f} %"


def _num(x, fmt="{:.3f}") -> str:
    return "n/a" if x is None else fmt.format(x)


def markdown(res: dict, label: str) -> str:
    s = res["summary"]
    lines = [f"## Accuracy: {label}", ""]
    lines += ["| set | items | metric | value | target |", "|---|---|---|---|---|"]
    if "tempo" in s:
        t = s["tempo"]
        lines.append(f"| tempo | {t['n']} | Accuracy1 (±4 %) | {_pct(t['accuracy1'])} | ≥ 95 % |")
        lines.append(f"| tempo | {t['n']} | Accuracy2 (×2, ×½, ×3, ×⅓ allowed) | {_pct(t['accuracy2'])} | |")
        lines.append(f"| tempo | | Accuracy1 without half-time genres | {_pct(t['accuracy1_without_half_time'])} | |")
    if "key" in s:
        k = s["key"]
        lines.append(f"| key | {k['n']} | exact | {_pct(k['exact'])} | |")
        lines.append(f"| key | {k['n']} | MIREX weighted | {_num(k['weighted'])} | ≥ 0.90 |")
    if "pitch" in s:
        p = s["pitch"]
        lines.append(f"| pitch | {p['n']} | within ±50 cents | {_pct(p['accuracy'])} | ≥ 98 % |")
        lines.append(f"| pitch | | octave errors / no pitch | {p['octave_errors']} / {p['missing']} | |")
    if "regions" in s:
        g = s["regions"]
        for part in ("starts", "ends", "boundaries"):
            m = g[part]
            lines.append(f"| regions | {g['n']} | {part} within 50 ms: P / R / F | "
                         f"{_num(m['precision'])} / {_num(m['recall'])} / {_num(m['f'])} | |")
        lines.append(f"| regions | | files with the right region count | {_pct(g['count_exact'])} | |")
    errors = sum(v.get("errors", 0) for v in s.values())
    scorer = s["key"]["scorer"] if "key" in s else "n/a"
    lines += ["", f"Files with an `error` or no result: {errors}. Key scorer: {scorer}.", ""]
    for name, rows in res["breakdown"].items():
        metric_keys = [k for k in next(iter(rows.values())) if k != "n"]
        lines += [f"### {name.replace('_', ' ')}", "", "| group | n | " + " | ".join(metric_keys) + " |",
                  "|---|---|" + "---|" * len(metric_keys)]
        for key, row in rows.items():
            vals = [_num(row[m]) if m == "weighted" else _pct(row[m]) for m in metric_keys]
            lines.append(f"| {key} | {row['n']} | " + " | ".join(vals) + " |")
        lines.append("")
    w = res["worst"]
    lines += ["### worst items", ""]
    for it in w["tempo"]:
        got = _num(it["est_bpm"], "{:.1f}") if isinstance(it["est_bpm"], (int, float)) else "none"
        lines.append(f"- tempo `{it['path']}`: truth {it['ref_bpm']} BPM, got {got}"
                     + (f" ({it['error']})" if "error" in it else ""))
    for it in w["key"]:
        lines.append(f"- key `{it['path']}`: truth {it['ref_key']}, got {it['est_key']} (score {it['weighted']})"
                     + (f" ({it['error']})" if "error" in it else ""))
    for it in w["pitch"]:
        err = "none" if it["error_cents"] is None else f"{it['error_cents']:+.0f} cents"
        lines.append(f"- pitch `{it['path']}`: truth MIDI {it['ref_midi']}, error {err}"
                     + (f" ({it['error']})" if "error" in it else ""))
    for it in w["regions"]:
        lines.append(f"- regions `{it['path']}`: {it['n_ref']} true, {it['n_est']} found, starts hit "
                     f"{it['start_hits']}, ends hit {it['end_hits']}" + (f" ({it['error']})" if "error" in it else ""))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus_dir")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--tonewheel", help="path to the tonewheel binary to run")
    src.add_argument("--from-jsonl", help="score saved `analyze --json` output (or a peer's) instead")
    ap.add_argument("--truth", help="truth JSONL (default: CORPUS_DIR/truth.jsonl)")
    ap.add_argument("--out", help="write the full results as JSON here")
    ap.add_argument("--save-jsonl", help="with --tonewheel: keep the raw JSON lines here")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sets", default="tempo,key,pitch,regions")
    ap.add_argument("--worst", type=int, default=8, help="worst items listed per set")
    ap.add_argument("--label", help="name shown in the report (default: the binary or the JSONL file)")
    args = ap.parse_args(argv)
    wanted = set(args.sets.split(","))
    truths = [t for t in load_jsonl(args.truth or os.path.join(args.corpus_dir, "truth.jsonl")) if t["set"] in wanted]
    if not truths:
        raise SystemExit(f"no truth lines for sets {sorted(wanted)} in {args.corpus_dir}/truth.jsonl")
    if args.tonewheel:
        files = [os.path.join(os.path.abspath(args.corpus_dir), t["path"]) for t in truths]
        started = time.monotonic()
        rows = run_tonewheel(args.tonewheel, files, args.jobs, args.save_jsonl)
        wall_s = time.monotonic() - started
        audio_s = sum(t.get("duration_s") or 0.0 for t in truths)
        run_info = {"wall_s": round(wall_s, 2), "audio_s": round(audio_s, 1), "jobs": args.jobs,
                    "x_realtime": round(audio_s / wall_s, 1) if wall_s > 0 else None}
        label = args.label or f"tonewheel ({args.tonewheel})"
    else:
        run_info = None
        rows = load_jsonl(args.from_jsonl)
        label = args.label or os.path.basename(args.from_jsonl)
    res = score(truths, index_results(rows, args.corpus_dir), args.worst)
    res["label"] = label
    res["run"] = run_info
    res["tolerances"] = {"tempo_relative": TEMPO_TOLERANCE, "pitch_cents": PITCH_TOLERANCE_CENTS,
                         "region_s": REGION_TOLERANCE_S}
    sys.stdout.write(markdown(res, label))
    if run_info:
        print(f"\nRun: {run_info['audio_s']} s of audio in {run_info['wall_s']} s wall time with --jobs "
              f"{run_info['jobs']} ({run_info['x_realtime']}x real time, decoding included).")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(res, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
