from kerastricks.activations.stablemax import stablemax

__all__ = ["stablemax"]
