"""Tests of the per-process memo of gait.case.clip_analysis: bounded, least recently used first."""

from __future__ import annotations

import threading

from gait.case.clip_analysis import Memo


def test_the_least_recently_used_entry_goes_first() -> None:
    memo: Memo[str, int] = Memo(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # "a" is now the most recently used
    memo.put("c", 3)
    assert memo.get("b") is None
    assert (memo.get("a"), memo.get("c")) == (1, 3)
    memo.clear()
    assert memo.get("a") is None


def test_threads_never_grow_it_beyond_its_size() -> None:
    memo: Memo[int, int] = Memo(50)

    def fill(offset: int) -> None:
        for i in range(1000):
            memo.put(offset + i, i)
            memo.get(offset + i // 2)

    threads = [threading.Thread(target=fill, args=(k * 10_000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(memo.get(k * 10_000 + i) is not None for k in range(4) for i in range(1000)) == 50
