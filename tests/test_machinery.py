"""The performance machinery's door (riskkit.core.machinery): what it promises callers."""
from __future__ import annotations

import threading

import pytest

from riskkit.core.machinery import KeyedFutures, fork_context, in_background, on_main_thread


def test_in_background_hands_back_the_result_and_the_error_on_another_thread() -> None:
    where = in_background(lambda: threading.current_thread().name, name="probe").result(5)
    assert where == "probe"
    with pytest.raises(ZeroDivisionError):
        in_background(lambda: 1 / 0, name="fails").result(5)


def test_keyed_futures_compute_once_and_forget_a_failure() -> None:
    cache: KeyedFutures[int] = KeyedFutures()
    calls: list[int] = []
    future, mine = cache.claim("k")
    assert mine and "k" in cache
    cache.settle_in_background("k", future, lambda: calls.append(1) or 7, name="k")
    again, mine_again = cache.claim("k")
    assert again is future and not mine_again and again.result(5) == 7 and calls == [1]
    broken, _ = cache.claim("bad")
    cache.settle("bad", broken, lambda: 1 // 0)
    assert "bad" not in cache
    with pytest.raises(ZeroDivisionError):
        broken.result(0)
    assert cache.claim("bad")[1]  # a retry computes anew


def test_fork_context_is_fork_or_none_and_the_main_thread_is_known() -> None:
    context = fork_context()
    assert context is None or context.get_start_method() == "fork"
    assert on_main_thread()
    assert in_background(on_main_thread, name="side").result(5) is False


def test_no_research_module_starts_threads_or_pools_itself() -> None:
    """The door is the only one: outside it (and the benchmarks), no module of riskkit
    creates a thread, an executor, a process or touches the switch interval or malloc."""
    import pathlib

    import riskkit
    root = pathlib.Path(riskkit.__file__).parent
    words = ("threading.Thread(", "ThreadPoolExecutor(", "ProcessPoolExecutor(",
             "setswitchinterval", "malloc_trim", 'get_context("fork")', "Process(target")
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel == "core/machinery.py" or rel.startswith("bench/") or "benchmark" in rel:
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{rel}: {w}" for w in words if w in text]
    assert not offenders, offenders


def test_a_runtime_error_of_the_parents_own_chart_keeps_its_type_and_message(tmp_path) -> None:
    """Only the forked child's failure is reported as the child's: an error raised by this
    process's own work reaches the caller as it was raised (fails before the fix: export_all
    relabelled every RuntimeError "writing charts ... failed" and dropped its traceback)."""
    from riskkit.charts import output

    if fork_context() is None:
        pytest.skip("no fork on this platform: nothing is shared with a child")

    class Boom(RuntimeError):
        pass

    import os

    from matplotlib.figure import Figure

    parent = os.getpid()

    class ParentFails(Figure):
        def savefig(self, *args: object, **kwargs: object) -> None:
            if os.getpid() == parent:
                raise Boom("the parent's own figure")

    figures = {name: ParentFails() for name in "abcd"}
    with pytest.raises(Boom, match="the parent's own figure"):
        output.export_all(figures, tmp_path, formats=("png",))


def test_a_failure_in_the_forked_child_is_named_as_the_childs(capfd) -> None:
    from riskkit.core.machinery import ForkedChildFailed, share_with_forked_child

    if fork_context() is None:
        pytest.skip("no fork on this platform")
    import os
    parent = os.getpid()

    def do(index: int) -> None:
        if os.getpid() != parent:
            raise ValueError("child broke")
        import time
        time.sleep(0.05)  # let the child take an item

    with pytest.raises(ForkedChildFailed, match="forked child failed"):
        share_with_forked_child(4, do)
    assert "child broke" in capfd.readouterr().err


def test_a_failure_in_the_parent_stops_the_child_taking_more_items() -> None:
    """The parent is going to raise: the child must not go on drawing every remaining item
    while the parent waits for it (fails before: the child did all 40)."""
    from riskkit.core.machinery import share_with_forked_child

    context = fork_context()
    if context is None:
        pytest.skip("no fork on this platform")
    import os
    import time
    parent = os.getpid()
    done_in_child = context.Value("i", 0)

    def do(index: int) -> None:
        if os.getpid() == parent:
            time.sleep(0.2)  # the child has started taking items
            raise KeyError("parent broke")
        time.sleep(0.02)
        with done_in_child.get_lock():
            done_in_child.value += 1

    with pytest.raises(KeyError, match="parent broke"):
        share_with_forked_child(40, do)
    assert done_in_child.value < 39


def test_worker_count_honours_a_request_and_otherwise_cores_and_memory(monkeypatch) -> None:
    from riskkit.core import machinery as M

    monkeypatch.setattr(M, "usable_cores", lambda: 4)
    monkeypatch.setattr(M, "available_memory", lambda: 10 * 2**30)
    assert M.worker_count(3, tasks=8, memory_each=2**30) == 3  # asked for: honoured
    assert M.worker_count(6, tasks=2, memory_each=2**30) == 2  # never more than the tasks
    assert M.worker_count(None, tasks=8, memory_each=2**30) == 4  # one per core
    assert M.worker_count(None, tasks=3, memory_each=2**30) == 3
    assert M.worker_count(None, tasks=8, memory_each=4 * 2**30) == 2  # 10 GiB holds two
    assert M.worker_count(None, tasks=8, memory_each=20 * 2**30) == 1  # at least one
    monkeypatch.setattr(M, "available_memory", lambda: None)  # not known: cores decide
    assert M.worker_count(None, tasks=8, memory_each=20 * 2**30) == 4


def test_usable_cores_and_available_memory_read_this_machine() -> None:
    import os

    from riskkit.core.machinery import available_memory, usable_cores

    assert 1 <= usable_cores() <= (os.cpu_count() or 1)
    memory = available_memory()
    assert memory is None or memory > 0


def _hold(lock: str, mark: str, seconds: float) -> None:
    import time

    from riskkit.core.machinery import exclusive

    with exclusive(lock):
        with open(mark, "a", encoding="ascii") as handle:
            handle.write(f"in {time.monotonic()}\n")
        time.sleep(seconds)
        with open(mark, "a", encoding="ascii") as handle:
            handle.write(f"out {time.monotonic()}\n")


def test_exclusive_lets_one_process_in_at_a_time(tmp_path) -> None:
    import multiprocessing

    lock, mark = str(tmp_path / "x.lock"), str(tmp_path / "marks")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_hold, args=(lock, mark, 1.5)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0, 0]
    events = [line.split()[0] for line in (tmp_path / "marks").read_text(encoding="ascii").splitlines()]
    assert events == ["in", "out", "in", "out"]  # never two inside at once


def _job(mark: str, seconds: float, how: str) -> str:
    import os
    import signal
    import time

    with open(mark, "a", encoding="ascii") as handle:
        handle.write(f"{how}\n")
    if how == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    if how == "raise":
        raise ValueError("no good\nat all")
    time.sleep(seconds)
    return how


def test_in_own_processes_a_dead_process_fails_its_own_job_only(tmp_path) -> None:
    """A pool's dead worker used to fail every job the pool held (BrokenProcessPool)."""
    from riskkit.core.machinery import in_own_processes

    mark = str(tmp_path / "marks")
    jobs = {"a": (mark, 0.0, "die"), "b": (mark, 2.0, "b"), "c": (mark, 0.0, "raise"),
            "d": (mark, 0.0, "d")}
    got = {key: (ok, value) for key, ok, value in in_own_processes(_job, jobs, "abcd", 2)}
    assert got["b"] == (True, "b") and got["d"] == (True, "d")
    assert got["a"][0] is False and "SIGKILL" in got["a"][1]
    assert got["c"] == (False, "ValueError: at all")


def test_in_own_processes_stops_the_running_and_starts_no_other(tmp_path) -> None:
    """An interrupt used to leave a queued job to run to its end, and the runner waiting."""
    import time

    from riskkit.core.machinery import in_own_processes

    mark = tmp_path / "marks"
    jobs = {"quick": (str(mark), 0.0, "quick"), "slow": (str(mark), 60.0, "slow"),
            "later": (str(mark), 0.0, "later")}
    started = time.monotonic()
    outcomes = in_own_processes(_job, jobs, ["quick", "slow", "later"], 2)
    first = next(outcomes)
    while "slow" not in mark.read_text(encoding="ascii"):  # the slow job is under way
        assert time.monotonic() - started < 60, "the slow job never started"
        time.sleep(0.1)
    outcomes.close()  # what an exception or Ctrl-C in the caller does
    assert first[:2] == ("quick", True)
    assert time.monotonic() - started < 30  # the slow job was stopped, not waited for
    assert "later" not in mark.read_text(encoding="ascii")  # and nothing new started
