"""`make demo` end to end on a tiny budget: tables, plots, run folders."""

import json

import keras
import pytest

from kerastricks import testing
from kerastricks.recipes import demo
from kerastricks.recipes import runner

pytestmark = [pytest.mark.requires_tuner,
              pytest.mark.requires_trainable_backend]


class DemoTest(testing.TestCase):
    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path):
        self.out = tmp_path / "demo"

    def test_grokking_comparison(self):
        report = "\n".join(demo.main([
            "--only", "grokking", "--grokking-steps", "4",
            "--grokking-eval-every", "2", "--out", str(self.out),
            "--quiet"]))
        for preset in demo.GROKKING_PRESETS:
            self.assertIn(f"| {preset} | not reached |", report)
            history = runner.read_history(
                self.out / f"grokking-{preset}" / runner.METRICS_FILE)
            self.assertEqual(history.epoch, [0, 1])
            self.assertIn("softmax_collapse", history.history)
            summary = json.loads((self.out / f"grokking-{preset}" /
                                  runner.SUMMARY_FILE).read_text())
            self.assertEqual(summary["steps"], 4)
        png = (self.out / "grokking_comparison.png").read_bytes()
        self.assertEqual(png[:4], b"\x89PNG")
        self.assertEqual((self.out / "summary.md").read_text(),
                         report)

    def test_regime_table_and_plot(self):
        comparison = {
            "title": "t", "metric": "test accuracy", "seeds": [0, 1, 2],
            "scores": {"plain": [0.5, 0.6, 0.7], "SAM": [0.7, 0.7, 0.7]}}
        comparison["mean"] = {"plain": 0.6, "SAM": 0.7}
        comparison["std"] = {"plain": 0.0816, "SAM": 0.0}
        self.assertEqual(demo.seeds_table(comparison).splitlines()[2],
                         "| plain | 0.600 | 0.082 | 0.500 | 0.600 | 0.700 |")
        self.out.mkdir(parents=True)
        png = demo.plot_seeds(comparison, self.out / "c.png").read_bytes()
        self.assertEqual(png[:4], b"\x89PNG")

    @pytest.mark.large
    def test_regime_comparisons(self):
        if keras.config.backend() != "jax":
            self.skipTest("the full demo runs once, on `make demo`'s "
                          "default backend (JAX)")
        noise = demo.label_noise_comparison([0, 1], epochs=1,
                                            train_size=60)
        self.assertEqual(sorted(noise["scores"]),
                         ["MESA", "SAF", "SAM", "plain"])
        self.assertTrue(all(len(v) == 2 for v in noise["scores"].values()))
        pruning = demo.data_pruning_comparison([0], epochs=1, train_size=60,
                                               score_epochs=1)
        self.assertLen(pruning["scores"]["random"], 1)
        tract = demo.tract_comparison([0], epochs=1, train_size=60)
        self.assertLen(tract["scores"], 4)
        report = "\n".join(demo.main([
            "--only", "regimes", "--regimes", "any_loss_imbalance",
            "--seeds", "2", "--regime-epochs", "1", "--out", str(self.out),
            "--quiet"]))
        self.assertIn("| AnyLoss F1, 3% positive | ", report)
        self.assertTrue((self.out / "any_loss_imbalance_comparison.png"
                         ).exists())
