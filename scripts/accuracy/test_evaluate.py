"""Checks evaluate.py on a hand-written truth/result pair whose scores were worked out by hand.

Run: python3 scripts/accuracy/test_evaluate.py   (standard library only; with mir_eval installed it also checks
that the MIREX key rules written here agree with mir_eval on all 24 x 24 key pairs).
"""

import contextlib
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import evaluate

DATA = os.path.join(HERE, "testdata")


class FakeCorpus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        truths = evaluate.load_jsonl(os.path.join(DATA, "fake_truth.jsonl"))
        rows = evaluate.load_jsonl(os.path.join(DATA, "fake_results.jsonl"))
        cls.res = evaluate.score(truths, evaluate.index_results(rows, DATA), worst_n=10)
        cls.s = cls.res["summary"]

    def test_tempo(self):
        # a: 121 vs 120 (0.8 %) hits both; b: 70 vs 140 only Accuracy2; c: 100 vs 90 (11 %) none; d: error.
        t = self.s["tempo"]
        self.assertEqual(t["n"], 4)
        self.assertAlmostEqual(t["accuracy1"], 1 / 4)
        self.assertAlmostEqual(t["accuracy2"], 2 / 4)
        self.assertAlmostEqual(t["accuracy1_without_half_time"], 1 / 3)
        self.assertEqual(t["errors"], 1)

    def test_key(self):
        # exact, fifth above, relative minor, relative major, parallel, enharmonic exact, fifth below (0).
        k = self.s["key"]
        scores = [i["weighted"] for i in self.res["items"] if i["set"] == "key"]
        self.assertEqual(scores, [1.0, 0.5, 0.3, 0.3, 0.2, 1.0, 0.0])
        self.assertAlmostEqual(k["weighted"], 3.3 / 7)
        self.assertAlmostEqual(k["exact"], 2 / 7)

    def test_pitch(self):
        # 0 cents, +40 cents, one octave up, no pitch, MIDI 50 -10 cents (no f0 given).
        p = self.s["pitch"]
        self.assertAlmostEqual(p["accuracy"], 3 / 5)
        self.assertEqual(p["octave_errors"], 1)
        self.assertEqual(p["missing"], 1)
        errs = [i["error_cents"] for i in self.res["items"] if i["set"] == "pitch"]
        self.assertAlmostEqual(errs[1], 40.0, places=2)
        self.assertAlmostEqual(errs[2], 1200.0, places=2)
        self.assertAlmostEqual(errs[4], -10.0, places=6)

    def test_regions(self):
        # a: start 2.1 is 100 ms late (miss), the rest within 50 ms; b: one extra region.
        g = self.s["regions"]
        self.assertEqual((g["starts"]["hits"], g["starts"]["n_ref"], g["starts"]["n_est"]), (2, 3, 4))
        self.assertEqual(g["ends"]["hits"], 3)
        self.assertAlmostEqual(g["starts"]["precision"], 0.5)
        self.assertAlmostEqual(g["starts"]["recall"], 2 / 3)
        self.assertAlmostEqual(g["ends"]["f"], 2 * 0.75 * 1.0 / 1.75)
        self.assertAlmostEqual(g["count_exact"], 0.5)

    def test_worst_lists_the_failures(self):
        w = self.res["worst"]
        self.assertEqual([i["path"] for i in w["tempo"]], ["tempo/d.wav", "tempo/c.wav", "tempo/b.wav"])
        self.assertEqual(w["key"][0]["path"], "key/g.wav")
        self.assertEqual([i["path"] for i in w["pitch"]], ["pitch/d.wav", "pitch/c.wav"])

    def test_markdown_mentions_every_set(self):
        md = evaluate.markdown(self.res, "fake")
        for needle in ("Accuracy1", "MIREX weighted", "±50 cents", "starts within 50 ms"):
            self.assertIn(needle, md)


class RunsABinary(unittest.TestCase):
    """The --tonewheel path: a stand-in binary gets absolute paths, prints JSON lines and exits 1 because one
    file failed; the scorer must still read every line."""

    def test_stub_binary(self):
        import json
        import stat
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            corpus = os.path.join(tmp, "corpus")
            os.makedirs(os.path.join(corpus, "tempo"))
            truth = [{"path": "tempo/a.wav", "set": "tempo", "bpm": 120.0, "genre": "house"},
                     {"path": "tempo/b.wav", "set": "tempo", "bpm": 90.0, "genre": "rock"}]
            with open(os.path.join(corpus, "truth.jsonl"), "w") as f:
                f.write("\n".join(json.dumps(t) for t in truth) + "\n")
            stub = os.path.join(tmp, "tonewheel")
            with open(stub, "w") as f:
                f.write(f"#!{sys.executable}\n"
                        "import json, sys\n"
                        "assert sys.argv[1:4] == ['analyze', '--json', '--jobs'], sys.argv\n"
                        "for p in sys.argv[5:]:\n"
                        "    if p.endswith('b.wav'):\n"
                        "        print(json.dumps({'file': p, 'error': 'unsupported format'}))\n"
                        "    else:\n"
                        "        print(json.dumps({'file': p, 'tempo': {'bpm': 119.0}}))\n"
                        "sys.exit(1)\n")
            os.chmod(stub, os.stat(stub).st_mode | stat.S_IXUSR)
            out = os.path.join(tmp, "res.json")
            raw = os.path.join(tmp, "raw.jsonl")
            with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
                evaluate.main([corpus, "--tonewheel", stub, "--out", out, "--save-jsonl", raw])
            with open(out) as f:
                res = json.load(f)
            self.assertAlmostEqual(res["summary"]["tempo"]["accuracy1"], 0.5)
            self.assertEqual(res["summary"]["tempo"]["errors"], 1)
            self.assertEqual(len(evaluate.load_jsonl(raw)), 2)
            self.assertEqual(res["run"]["jobs"], 2)
            self.assertGreater(res["run"]["wall_s"], 0.0)


class Matching(unittest.TestCase):
    def test_one_to_one(self):
        # Two estimates near one truth count once.
        self.assertEqual(evaluate.match_events([1.0], [0.98, 1.02], 0.05), 1)
        self.assertEqual(evaluate.match_events([1.0, 1.06], [1.03], 0.05), 1)
        self.assertEqual(evaluate.match_events([], [1.0], 0.05), 0)

    def test_tempo_factors(self):
        self.assertEqual(evaluate.tempo_scores(60.0, 180.0)[:2], (False, True))
        self.assertEqual(evaluate.tempo_scores(100.0, 104.0)[:2], (True, True))
        self.assertEqual(evaluate.tempo_scores(100.0, 104.5)[:2], (False, False))
        self.assertEqual(evaluate.tempo_scores(100.0, None)[:2], (False, False))


@unittest.skipUnless(evaluate.KEY_SCORER.startswith("mir_eval"), "mir_eval not installed")
class AgreesWithMirEval(unittest.TestCase):
    def test_all_pairs(self):
        for rp in range(12):
            for rm in ("major", "minor"):
                for ep in range(12):
                    for em in ("major", "minor"):
                        self.assertEqual(evaluate.weighted_key_score_own(rp, rm, ep, em),
                                         evaluate.weighted_key_score(rp, rm, ep, em), (rp, rm, ep, em))


if __name__ == "__main__":
    unittest.main()
