"""The garbage collector tuned for a long-lived service answering many small requests."""

from __future__ import annotations

import gc

GC_YOUNG = 20_000  # allocations between two young-generation collections (Python: 700)


def tune_collector() -> None:
    # What exists after start-up (modules, clients, settings) lives as long as the process:
    # out of the collector's sight, it no longer lengthens every full collection (a pause
    # while commands queue). A request allocates hundreds of objects, nearly all
    # freed by reference counting at once; at Python's default (a young collection every
    # 700 allocations) the collector ran every request or two, walking live requests' objects.
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])
