"""The sweep runs the garbage collector less often, and gives the process its thresholds back."""

import gc

import pytest

from cobuild.sweep.executor import SWEEP_GC_THRESHOLD, fewer_collections


@pytest.fixture()
def thresholds():
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_thresholds_are_raised_during_a_sweep_and_restored_after(thresholds):
    with fewer_collections():
        assert gc.get_threshold() == (SWEEP_GC_THRESHOLD, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_overlapping_sweeps_restore_only_when_the_last_ends(thresholds):
    first, second = fewer_collections(), fewer_collections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold() == (SWEEP_GC_THRESHOLD, 10, 10)  # the second sweep still runs
    second.__exit__(None, None, None)
    assert gc.get_threshold() == (700, 10, 10)


def test_a_failing_sweep_restores_them_too(thresholds):
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == (700, 10, 10)


def test_a_process_that_collects_less_often_already_keeps_its_own(thresholds):
    gc.set_threshold(50_000, 10, 10)
    with fewer_collections():
        assert gc.get_threshold() == (50_000, 10, 10)
    assert gc.get_threshold() == (50_000, 10, 10)


def test_the_speed_paths_follow_the_setting(monkeypatch):
    """`cobuild serve` sets serial for its embedded scheduler; the default elsewhere is auto."""
    from cobuild.sweep.executor import speed_paths

    monkeypatch.delenv("COBUILD_SWEEP_TUNING", raising=False)
    assert speed_paths()
    monkeypatch.setenv("COBUILD_SWEEP_TUNING", "serial")
    assert not speed_paths()
