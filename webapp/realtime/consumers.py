"""The video room consumer: parse, rate-limit, authorize, hand to actions, reply. Nothing more."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from itertools import islice

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from webapp.realtime import actions, dispatch, revocation
from webapp.realtime import protocol as p
from webapp.realtime import trace
from webapp.realtime.actions import ActionError, Actor
from webapp.realtime.broadcast import EVENT_TYPE, broadcaster, group_name
from webapp.realtime.presence import REFRESH_S, presence_store

log = logging.getLogger(__name__)

RATE_PER_S = 60.0  # messages per connection
RATE_BURST = 120.0
ROLE_RECHECK_S = 10.0  # an open socket re-reads its role this often (revocation is also pushed)
INFERENCE_TYPES = frozenset({"prompt.add", "prompt.mask", "propagate.start"})
CLOSE_FORBIDDEN, CLOSE_TOO_MANY = 4403, 4429
SYNC_BATCH = 200
WATCH_S = 1.0  # how often a server checks that its rooms' propagations still have a worker


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.t = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.t) * self.rate)
        self.t = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


# Per user, in this process: open sockets, and a token bucket for the commands that cost model
# time, shared by all of the user's sockets (so more sockets do not buy more inference).
_sockets: dict[int, int] = {}
_user_buckets: dict[int, TokenBucket] = {}


def _user_bucket(user_id: int) -> TokenBucket:
    bucket = _user_buckets.get(user_id)
    if bucket is None:
        rate = float(settings.WS_USER_INFERENCE_RATE)
        bucket = _user_buckets[user_id] = TokenBucket(rate, 2 * rate)
    return bucket


def _dumps(msg: dict) -> str:
    return json.dumps(msg, separators=(",", ":"))


# --- the propagation watchdog (scaled-out): one task per video with connections here -------
_watchdogs: dict[int, list] = {}  # video_id -> [task, local connections]


def _reap(video_id: int) -> None:
    from webapp.realtime import leases

    reg = leases.registry()
    leases.worker_lost(video_id, dispatch.control().reap(video_id))
    owner, alive = reg.holder(video_id)
    if owner and not alive:
        # The holder died: move the video to a live worker now, which answers the prompts
        # acknowledged and not yet answered (Registry.assign); nobody has to click again.
        try:
            owner, alive = reg.assign(video_id), True
        except ActionError:
            pass  # no live worker: the next command says `unavailable`
    before = dispatch.note_holder(video_id, owner, alive)
    if before and alive and before != owner:
        # This server may have routed commands to the dead holder from its cache after
        # another server moved the lease (and dropped that queue): replay them too.
        if not reg.alive(before):
            reg.forget(before)
        reg.catch_up(video_id, owner)


async def _watchdog(video_id: int) -> None:
    """A worker killed mid-propagation sends no propagation.done; tell the room within about
    STALE_S + WATCH_S instead of at the next command (leases.RedisControl.reap). Also keep
    the video's lease holder at hand for clicks (dispatch.note_holder)."""
    while True:
        await asyncio.sleep(WATCH_S)
        try:
            await asyncio.to_thread(_reap, video_id)
        except Exception:
            log.exception("propagation watchdog of video %s failed", video_id)


def _watch(video_id: int, delta: int) -> None:
    entry = _watchdogs.get(video_id)
    if entry is None:
        if delta < 0:
            return
        entry = _watchdogs[video_id] = [asyncio.create_task(_watchdog(video_id)), 0]
    entry[1] += delta
    if entry[1] <= 0:
        entry[0].cancel()
        del _watchdogs[video_id]


class VideoConsumer(AsyncWebsocketConsumer):
    joined = False
    counted = False  # counted in _sockets

    # -- lifecycle -----------------------------------------------------------------------
    async def connect(self):
        self.video_id = int(self.scope["url_route"]["kwargs"]["video_id"])
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        found = await database_sync_to_async(self._load)(user)
        if found is None:
            await self.close(code=4404)
            return
        self.video, self.role = found
        if _sockets.get(user.pk, 0) >= settings.WS_MAX_SOCKETS_PER_USER:
            await self.error("rate_limited", f"{user.username} already has "
                             f"{settings.WS_MAX_SOCKETS_PER_USER} open connections "
                             "(WS_MAX_SOCKETS_PER_USER); close one first")
            await self.close(code=CLOSE_TOO_MANY)
            return
        _sockets[user.pk] = _sockets.get(user.pk, 0) + 1
        self.counted = True
        self.actor = Actor(user.pk, user.username)
        self.is_superuser = user.is_superuser
        self.role_checked = time.monotonic()
        self.group = group_name(self.video_id)
        self.bucket = TokenBucket(RATE_PER_S, RATE_BURST)
        self.presence = {"username": user.username, "frame": None, "object_id": None}
        broadcaster().bind(asyncio.get_running_loop())
        # Join first, then snapshot: events from now on queue behind the snapshot, so the
        # snapshot and the stream never miss each other (duplicates are idempotent).
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(revocation.user_group(user.pk), self.channel_name)
        self.joined = True
        snap = await database_sync_to_async(actions.snapshot)(self.video)
        store = presence_store()
        await store.set(self.video_id, self.channel_name, self.presence)
        users = await store.users(self.video_id)
        await self.send_msg(p.SessionState(
            seq=snap["seq"], objects=snap["objects"], users=users,
            video=actions.video_info(self.video), model=actions.model_info(), role=self.role,
            you=user.username))
        await self._broadcast_presence(users)
        self._refresher = asyncio.create_task(self._refresh_presence())
        if settings.SCALED_OUT:
            _watch(self.video_id, +1)
        else:
            dispatch.inference_thread().put({"op": "warm"})  # load the model before the click

    def _load(self, user):
        video = actions.Video.objects.select_related("project").filter(pk=self.video_id).first()
        if video is None:
            return None
        role = actions.role_of(user.pk, video.project_id, user.is_superuser)
        if role is None:
            return None
        return video, role

    async def disconnect(self, code):
        if self.counted:
            self.counted = False
            left = _sockets.get(self.actor.user_id, 1) - 1
            if left > 0:
                _sockets[self.actor.user_id] = left
            else:
                _sockets.pop(self.actor.user_id, None)
                _user_buckets.pop(self.actor.user_id, None)
        if not self.joined:
            return
        self.joined = False
        if self._refresher is not asyncio.current_task():
            self._refresher.cancel()
        await self.channel_layer.group_discard(revocation.user_group(self.actor.user_id),
                                               self.channel_name)
        if settings.SCALED_OUT:
            _watch(self.video_id, -1)
        await self.channel_layer.group_discard(self.group, self.channel_name)
        store = presence_store()
        await store.remove(self.video_id, self.channel_name)
        await self._broadcast_presence(await store.users(self.video_id))

    async def _refresh_presence(self):
        while True:
            await asyncio.sleep(REFRESH_S)
            try:
                await presence_store().set(self.video_id, self.channel_name, self.presence)
                if time.monotonic() - self.role_checked >= ROLE_RECHECK_S:
                    # The pushed access.changed is at-most-once (the layer may drop it).
                    if not await self._recheck_role():
                        return
            except StopConsumer:
                return
            except Exception:
                log.exception("presence refresh failed")

    # -- access ----------------------------------------------------------------------------
    async def _recheck_role(self) -> bool:
        """Re-read this user's role; close the socket (4403) if they lost access."""
        role = await database_sync_to_async(actions.role_of)(
            self.actor.user_id, self.video.project_id, self.is_superuser)
        self.role_checked = time.monotonic()
        if role is not None:
            self.role = role
            return True
        await self.error("forbidden", "your access to this project was removed")
        await self.close(code=CLOSE_FORBIDDEN)
        await self.disconnect(CLOSE_FORBIDDEN)  # leave the room now: no event reaches us
        return False

    async def access_changed(self, message):
        if self.joined and message.get("project_id") == self.video.project_id:
            await self._recheck_role()

    async def _broadcast_presence(self, users: list[dict]) -> None:
        await self.channel_layer.group_send(
            self.group, {"type": EVENT_TYPE, "event": p.dump(p.Presence(users=users))})

    # -- messages ------------------------------------------------------------------------
    async def room_event(self, message):
        trace.mark("srv.relay")
        for event in message.get("events") or [message["event"]]:
            await self.send(text_data=_dumps(event))

    async def send(self, text_data=None, bytes_data=None, close=False):
        try:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        except (RuntimeError, OSError):
            # The client is gone (the server refuses sends after its close) before
            # websocket.disconnect reached us: clean up now, or presence keeps a ghost of
            # this connection until its TTL and the room sees a user who has left.
            await self.disconnect(1006)
            raise StopConsumer() from None

    async def send_msg(self, msg: p.BaseModel) -> None:
        await self.send(text_data=_dumps(p.dump(msg)))

    async def error(self, code: str, message: str, req=None) -> None:
        await self.send_msg(p.Error(req=req, code=code, message=message))

    async def receive(self, text_data=None, bytes_data=None):
        if not self.joined:
            return
        raw = text_data if text_data is not None else bytes_data
        trace.mark("srv.receive")
        if not self.bucket.take():
            await self.error("rate_limited", f"more than {RATE_PER_S:g} messages/s; slow down")
            return
        try:
            msg = p.parse_client(raw)
        except p.BadMessage as exc:
            await self.error(exc.code, exc.message, exc.req)
            return
        if msg.type in INFERENCE_TYPES and not _user_bucket(self.actor.user_id).take():
            await self.error("rate_limited", f"more than {settings.WS_USER_INFERENCE_RATE} "
                             "prompts/propagations a second from your connections; slow down",
                             msg.req)
            return
        try:
            await getattr(self, "on_" + msg.type.replace(".", "_"))(msg)
        except ActionError as exc:
            await self.error(exc.code, exc.message, msg.req)
        except Exception:
            log.exception("realtime message %s failed", msg.type)
            await self.error("internal", "the server failed to handle this message", msg.req)

    async def ack(self, msg, seq: int) -> None:
        if msg.req is not None:
            await self.send_msg(p.Ack(req=msg.req, seq=seq))

    async def _act(self, fn, *args):
        return await database_sync_to_async(fn)(self.actor, self.video_id, *args)

    async def on_object_create(self, msg):
        await self.ack(msg, await self._act(actions.create_object, msg))

    async def on_object_update(self, msg):
        await self.ack(msg, await self._act(actions.update_object, msg))

    async def on_object_delete(self, msg):
        await self.ack(msg, await self._act(actions.delete_object, msg))

    async def on_prompt_add(self, msg):
        await self.ack(msg, await self._act(actions.add_prompt, msg, self.channel_name))

    on_prompt_mask = on_prompt_add

    async def on_propagate_start(self, msg):
        await self.ack(msg, await self._act(actions.start_propagation, msg, self.channel_name))

    async def on_propagate_cancel(self, msg):
        await self.ack(msg, await self._act(actions.cancel_propagation, msg, self.channel_name))

    async def on_ping(self, msg):
        await self.send_msg(p.Pong(req=msg.req))

    async def on_presence(self, msg):
        if not 0 <= msg.frame < max(self.video.num_frames, 1):
            raise ActionError("out_of_range",
                              f"frame {msg.frame} is outside [0, {self.video.num_frames})")
        self.presence = dict(self.presence, frame=msg.frame, object_id=msg.object_id)
        store = presence_store()
        await store.set(self.video_id, self.channel_name, self.presence)
        await self._broadcast_presence(await store.users(self.video_id))
        await self.ack(msg, self.video.seq)

    async def on_sync(self, msg):
        if not await self._recheck_role():
            return
        snap_seq = await database_sync_to_async(
            lambda: actions.Video.objects.filter(pk=self.video_id).values_list("seq", flat=True)
            .first())()
        events = actions.sync_events(self.video_id, msg.since_seq)
        top = snap_seq or 0
        while True:
            # The generator keeps its DB cursor on the one thread database_sync_to_async uses.
            batch = await database_sync_to_async(lambda: list(islice(events, SYNC_BATCH)))()
            if not batch:
                break
            for ev in batch:
                top = max(top, ev.get("seq", 0))
                await self.send(text_data=_dumps(ev))
        await self.send_msg(p.SyncDone(seq=top, req=msg.req))
