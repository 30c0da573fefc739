"""One scaled-out cluster for the outage tests (test_outages, test_cpu_worker_kill): private
Redis and Postgres, two web servers, one inference worker, one CPU worker. Started once per
session (it takes most of a minute on a busy 2-core machine); every test leaves it healthy."""
import pytest

from tests.ops.cluster import Cluster

SEED = r"""
import numpy as np
from pycocotools import mask as mask_util
from webapp.annotations.models import FrameMask, Object
from webapp.videos.models import Video

v = Video.objects.get(name="big")
for k in range(3):
    o = Object.objects.create(video=v, name=f"o{k}")
    rows = []
    for f in range(v.num_frames):
        m = np.zeros((v.height, v.width), np.uint8, order="F")
        m[20 + k * 40:60 + k * 40, 10 + f % 200:200 + f % 200] = 1
        rle = mask_util.encode(m)
        rows.append(FrameMask(object=o, video=v, frame=f, source="prompt", area=int(m.sum()),
                              rle={"size": [v.height, v.width], "counts": rle["counts"].decode()}))
    FrameMask.objects.bulk_create(rows)
print("SEEDED")
"""


@pytest.fixture(scope="session")
def ops_cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("ops"))
    # "short" for clicks; "big" (with masks on every frame) for an export that runs a while.
    c.stack.videos = {"short": (24, 160, 120), "big": (240, 640, 480)}
    try:
        c.start()
        c.stack._run("manage.py", "shell", "-c", SEED)
        yield c
    finally:
        print(c.stack.logs())
        c.stop()
