"""The timeline's mask_frames count a frame only where the object's mask has pixels: the
editor drops a frame live when its mask becomes empty (a cleared frame, an object gone from
view), so a reload must not count it again (issue 15)."""
import numpy as np

from inference.rle import encode_mask, rle_area
from webapp.annotations.models import FrameMask, Object


def test_timeline_leaves_out_empty_masks(ready_video, project_with_roles, client_for):
    _, users = project_with_roles
    obj = Object.objects.create(video=ready_video, name="disc 1", color="#e6194b")
    h, w = ready_video.height, ready_video.width
    full = np.zeros((h, w), dtype=bool)
    full[2:6, 3:9] = True
    for frame, mask in ((0, full), (1, np.zeros((h, w), dtype=bool)), (2, full)):
        rle = encode_mask(mask)
        FrameMask.objects.create(object=obj, video=ready_video, frame=frame, rle=rle, area=rle_area(rle),
                                 source="prompt")
    r = client_for(users["annotator"]).get(f"/api/videos/{ready_video.pk}/timeline/")
    assert r.status_code == 200, r.content
    (track,) = [t for t in r.json() if t["object_id"] == obj.pk]
    assert track["mask_frames"] == [0, 2]
    # The empty mask is still stored (and served for its frame): only the count leaves it out.
    masks = client_for(users["annotator"]).get(f"/api/videos/{ready_video.pk}/masks/?frame=1").json()
    assert [m["object_id"] for m in masks] == [obj.pk]
