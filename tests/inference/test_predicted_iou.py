"""SAM 2's predicted IoU reaches ObjectMask.iou: the value the mask decoder itself output for
the mask the predictor chose (read here with a forward hook on upstream's decoder, not through
our wrapper), on clicks and on every propagated frame; a mask prompt reports 1 (upstream's
`_use_mask_as_output`); an empty mask reports None."""
from __future__ import annotations

import numpy as np
import pytest
import torch


@pytest.fixture
def decoder_ious(model):
    seen: list[torch.Tensor] = []

    def hook(_module, _inputs, output):
        seen.append(output[1].detach().float().max(dim=-1).values.cpu())  # (masks, ious, ...)

    handle = model.predictor.sam_mask_decoder.register_forward_hook(hook)
    yield seen
    handle.remove()


def test_clicks_and_propagated_frames_carry_the_decoders_predicted_iou(model, clip, decoder_ious):
    s = clip.session(model)
    res = s.add_prompt(1, 0, points=[clip.blob(0)], labels=[1])
    (om,) = res.masks
    assert om.area > 0 and om.iou == pytest.approx(float(decoder_ious[-1][0]), abs=1e-6)
    for out in s.propagate(0, max_frames=8):
        (om,) = out.masks
        if out.frame == 0:
            continue  # the click's own output, not decoded again
        # Each tracked frame runs the decoder once for the mask (the last call is it).
        assert om.iou == pytest.approx(float(decoder_ious[-1][0]), abs=1e-6), out.frame
        assert 0.0 <= om.iou <= 1.0


def test_a_mask_prompt_reports_one_and_an_empty_mask_none(model, clip):
    s = clip.session(model)
    mask = np.zeros((clip.height, clip.width), dtype=bool)
    mask[10:30, 20:50] = True
    (om,) = s.add_mask(3, 5, mask).masks
    assert om.iou == 1.0
    (om,) = s.add_mask(4, 6, np.zeros_like(mask)).masks
    assert om.area == 0 and om.iou is None


def test_the_iou_of_a_frame_read_back_later_is_the_one_predicted_for_it(model, clip):
    s = clip.session(model)
    clicked = s.add_prompt(1, 2, points=[clip.blob(2)], labels=[1]).masks[0].iou
    s.add_prompt(2, 9, points=[clip.blob(9, 1)], labels=[1])  # another object, another frame
    assert s.masks_on(2).masks[0].iou == clicked
