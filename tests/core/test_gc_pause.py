"""The cyclic collector's pause around large reports."""

import gc
import threading

from app.core.gc_pause import gc_paused


def test_the_collector_resumes_when_the_last_holder_leaves():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer holder is still inside
    assert gc.isenabled()


def test_overlapping_holders_on_two_threads():
    inside, release = threading.Event(), threading.Event()

    def hold():
        with gc_paused():
            inside.set()
            release.wait(5)

    other = threading.Thread(target=hold)
    other.start()
    inside.wait(5)
    with gc_paused():
        pass
    assert not gc.isenabled()  # the other thread's pause outlives ours
    release.set()
    other.join(5)
    assert gc.isenabled()


def test_a_collector_turned_off_stays_off():
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_error_inside_ends_the_pause():
    try:
        with gc_paused():
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()


def test_a_started_server_froze_its_start_up_objects_once(client):
    from app.core.gc_pause import freeze_start_up_objects

    assert gc.get_freeze_count() > 0  # the session's server started before this test
    assert freeze_start_up_objects() is False  # once per process
