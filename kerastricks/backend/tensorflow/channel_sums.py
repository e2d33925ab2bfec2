from kerastricks.backend.channel_sums import (
    blocked_channel_sums as channel_sums,
)

__all__ = ["channel_sums"]
