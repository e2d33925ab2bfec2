"""Ready models and KerasTuner search spaces built from kerastricks.

Shipped in the same distribution as `kerastricks`, installed as the
top-level package `recipes` (`import recipes`).
"""
