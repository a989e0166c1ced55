"""Background jobs are forks of the web process: KMeans in a job must not hang on the parent's OpenMP pool."""

from __future__ import annotations

import multiprocess
import numpy as np
from sklearn.cluster import KMeans

from socialdash.worker import fork_safe

X = np.random.default_rng(0).normal(size=(20_000, 8))


def _fit(queue) -> None:
    queue.put(int(KMeans(4, n_init=2, random_state=0).fit(X).n_iter_))


def test_a_job_forked_after_the_parent_used_openmp_finishes():
    KMeans(4, n_init=2, random_state=0).fit(X)  # the parent now has a GNU OpenMP thread pool
    queue = multiprocess.Queue()
    job = multiprocess.Process(target=fork_safe(_fit), args=(queue,))  # a fork, as DiskcacheManager does
    job.start()
    job.join(60)
    hung = job.is_alive()
    if hung:
        job.kill()
    assert not hung, "the forked KMeans hung on the parent's OpenMP pool"
    assert queue.get(timeout=5) > 0
