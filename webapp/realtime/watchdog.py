"""The room watchdog (scaled out): one task per video with connections on this server.

Every WATCH_S it reaps propagations whose worker died (the room hears propagation.done
{worker_lost} within about STALE_S + WATCH_S, not at the next command), moves a video whose
lease holder died to a live worker at once (which answers the acknowledged prompts), and keeps
the holder at hand for clicks (dispatch.note_holder)."""
from __future__ import annotations

import asyncio
import logging

from webapp.realtime import dispatch, events, workers
from webapp.realtime.protocol import Refusal

log = logging.getLogger(__name__)

WATCH_S = 1.0
_watchdogs: dict[int, list] = {}  # video_id -> [task, local connections]


def look(video_id: int) -> None:
    """One look at the video's workers (blocking: Redis round trips)."""
    reg = workers.registry()
    events.worker_lost(video_id, dispatch.control().reap(video_id))
    owner, alive = reg.holder(video_id)
    if owner and not alive:
        # The holder died: move the video now; nobody has to click again (dispatch.lost).
        try:
            owner, alive = dispatch.assign(video_id), True
        except Refusal:
            pass  # no live worker: the next command says `unavailable`
    before = dispatch.note_holder(video_id, owner, alive)
    if before and alive and before != owner:
        # This server may have routed commands to the dead holder from its cache after
        # another server moved the lease (and dropped that queue): replay them too.
        dispatch.lost(video_id, before, owner)


async def _run(video_id: int) -> None:
    while True:
        await asyncio.sleep(WATCH_S)
        try:
            await asyncio.to_thread(look, video_id)
        except Exception:
            log.exception("watchdog of video %s failed", video_id)


def watch(video_id: int, delta: int) -> None:
    """A connection to the video opened (+1) or closed (-1) on this server."""
    entry = _watchdogs.get(video_id)
    if entry is None:
        if delta < 0:
            return
        entry = _watchdogs[video_id] = [asyncio.create_task(_run(video_id)), 0]
    entry[1] += delta
    if entry[1] <= 0:
        entry[0].cancel()
        del _watchdogs[video_id]
