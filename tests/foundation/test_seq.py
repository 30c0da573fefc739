"""The per-video seq counter never hands out a value twice, even under concurrency."""
import threading

import pytest
from django.db import connections

from webapp.annotations.seq import next_seq
from webapp.projects.models import Project
from webapp.videos.models import Video


@pytest.mark.django_db(transaction=True)
def test_it_gives_unique_consecutive_values_to_concurrent_threads():
    project = Project.objects.create(name="p")
    video = Video.objects.create(project=project, name="v")
    other = Video.objects.create(project=project, name="w")
    threads, per_thread = 8, 40
    results: list[list[int]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def hammer(i: int) -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                results[i].append(next_seq(video.pk))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=hammer, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    values = sorted(v for r in results for v in r)
    assert values == list(range(1, threads * per_thread + 1))
    for r in results:  # each caller sees its own values increase
        assert r == sorted(r)
    video.refresh_from_db()
    assert video.seq == threads * per_thread
    assert next_seq(other.pk) == 1  # counters are per video


@pytest.mark.django_db
def test_it_raises_for_a_missing_video():
    with pytest.raises(Video.DoesNotExist):
        next_seq(999_999)
