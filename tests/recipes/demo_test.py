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
        for preset in demo.grokking_presets():
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

    @pytest.mark.large
    def test_image_classifier_comparison(self):
        if keras.config.backend() != "jax":
            self.skipTest("the full demo runs once, on `make demo`'s "
                          "default backend (JAX)")
        report = "\n".join(demo.main([
            "--only", "image_classifier", "--image-epochs", "1", "--out",
            str(self.out), "--quiet"]))
        for preset in demo.IMAGE_PRESETS:
            self.assertIn(f"| {preset} | 0.", report)
        self.assertTrue((self.out / "image_classifier_comparison.png"
                         ).exists())
