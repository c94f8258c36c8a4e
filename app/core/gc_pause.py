"""Pausing Python's cyclic garbage collector while one request builds a large result.

A state-of-conservation report holds a few hundred thousand small objects at once (rows,
conditions, lines), nearly all freed by reference counting when it is sent. While they pile
up, the collector runs a full collection each time the heap grows by a quarter, and each one
walks every live object: measured on 10,000 monuments, six full collections cost 40 % of the
report. Paused, nothing is lost: acyclic garbage is freed as before, and the few cycles made
meanwhile (by this or other threads) are collected once the pause ends.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_resume = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection while any holder is inside; the collector's own state (enabled
    or not) is restored when the last one leaves. Let the large result die inside: objects
    that outlive the pause are walked by the next collection as if they were new."""
    global _holders, _resume
    with _lock:
        if _holders == 0:
            _resume = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _resume:
                gc.enable()


_frozen = False


def freeze_start_up_objects() -> bool:
    """After a server's start-up, move every object alive then (the app, its routes and
    models, SQLAlchemy's and pydantic's compiled machinery: most of the heap) out of the
    collector's sight, once per process. A full collection walks every tracked object, and
    as requests leave survivors behind one came every few dozen photo uploads, ~200 ms each,
    to find those start-up objects alive again. Garbage first, so that only what lives is
    frozen; what requests make is collected as before. Returns whether it froze now."""
    global _frozen
    with _lock:
        if _frozen:
            return False
        _frozen = True
    gc.collect()
    gc.freeze()
    return True
