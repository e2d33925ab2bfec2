from kerastricks.backend.channel_sums import summed_over_rows as channel_sums

__all__ = ["channel_sums"]
