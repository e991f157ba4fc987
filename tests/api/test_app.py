"""The app's process-wide tuning: the garbage collector, once the app has started."""

from __future__ import annotations

import gc

from api.app import GC_THRESHOLDS, tune_garbage_collector


def test_tuning_freezes_start_up_objects_and_raises_the_threshold() -> None:
    before = gc.get_threshold()
    try:
        tune_garbage_collector()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
