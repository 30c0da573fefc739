"""The video room consumer: parse, rate-limit, authorize, hand to actions, reply. Nothing more.
And the project page's consumer: a members-only, server -> client feed of its videos."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from itertools import islice

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from webapp.ops import logs, metrics
from webapp.projects.models import Project, role_in
from webapp.realtime import (actions, dispatch, limits, masklets, revocation, sync, trace,
                              watchdog)
from webapp.realtime import protocol as p
from webapp.realtime.actions import Actor
from webapp.realtime.broadcast import EVENT_TYPE, broadcaster, group_name, project_group_name
from webapp.realtime.presence import REFRESH_S, presence_store

log = logging.getLogger(__name__)

ROLE_RECHECK_S = 10.0  # an open socket re-reads its role this often (revocation is also pushed)
CLOSE_FORBIDDEN, CLOSE_TOO_MANY = 4403, 4429
SYNC_BATCH = 200


def _dumps(msg: dict) -> str:
    return json.dumps(msg, separators=(",", ":"))


class Consumer(AsyncWebsocketConsumer):
    """Channels (4.2 and later) runs `close_old_connections` on its one sync thread before
    every message a consumer handles, channel-layer room events included. With a hundred
    sockets per server that thread queues thousands of hops a second, and a click's database
    work, which runs on the same thread, waits behind them (bench/RESULTS.md, *Load*: click
    p50 1.25 s at 5 rooms x 50 clients). Every database call in these consumers goes through
    `database_sync_to_async`, which closes stale connections itself before and after, so
    the per-message sweep is skipped."""

    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"no handler for message type {message['type']}")
        await handler(message)

    async def room_event(self, message):
        """A channel-layer event (or a batch of them) for this socket's group."""
        trace.stamp("srv.relay")
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

    async def close_with(self, code: int) -> None:
        """Close with an app code and its one reason from protocol.CLOSE_REASONS."""
        await self.close(code=code, reason=p.close_reason(code))


class VideoConsumer(Consumer):
    joined = False
    counted = False  # counted in _sockets

    # -- lifecycle -----------------------------------------------------------------------
    async def connect(self):
        self.video_id = int(self.scope["url_route"]["kwargs"]["video_id"])
        logs.bind(video_id=self.video_id)  # this connection's log lines name its video
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close_with(4401)
            return
        found = await database_sync_to_async(self._load)(user)
        if found is None:
            await self.close_with(4404)
            return
        self.video, self.role = found
        try:
            limits.open_socket(user.pk, user.username)
        except p.Refusal as exc:
            await self.error(exc.code, exc.message)
            await self.close_with(CLOSE_TOO_MANY)
            return
        self.counted = True
        metrics.ws_opened()
        self.actor = Actor(user.pk, user.username)
        self.is_superuser = user.is_superuser
        self.role_checked = time.monotonic()
        self.group = group_name(self.video_id)
        self.bucket = limits.connection_bucket()
        self.presence = {"username": user.username, "frame": None, "object_id": None}
        broadcaster().bind(asyncio.get_running_loop())
        # Join first, then snapshot: events from now on queue behind the snapshot, so the
        # snapshot and the stream never miss each other (duplicates are idempotent).
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(revocation.user_group(user.pk), self.channel_name)
        self.joined = True
        snap = await database_sync_to_async(sync.snapshot)(self.video)
        store = presence_store()
        await store.set(self.video_id, self.channel_name, self.presence)
        users = await store.users(self.video_id)
        await self.send_msg(p.SessionState(
            seq=snap["seq"], objects=snap["objects"], users=users,
            video=sync.video_info(self.video), model=sync.model_info(), role=self.role,
            you=user.username))
        await self._broadcast_presence(users)
        self._refresher = asyncio.create_task(self._refresh_presence())
        if settings.SCALED_OUT:
            watchdog.watch(self.video_id, +1)
        else:
            dispatch.inference_thread().put({"op": "warm"})  # load the model before the click

    def _load(self, user):
        return actions.room_access(user.pk, self.video_id, user.is_superuser)

    async def disconnect(self, code):
        if self.counted:
            self.counted = False
            limits.close_socket(self.actor.user_id)
            metrics.ws_closed()
        if not self.joined:
            return
        self.joined = False
        if self._refresher is not asyncio.current_task():
            self._refresher.cancel()
        await self.channel_layer.group_discard(revocation.user_group(self.actor.user_id),
                                               self.channel_name)
        if settings.SCALED_OUT:
            watchdog.watch(self.video_id, -1)
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
        role = await database_sync_to_async(role_in)(
            self.video.project_id, self.actor.user_id, self.is_superuser)
        self.role_checked = time.monotonic()
        if role is not None:
            changed, self.role = role != self.role, role
            if changed:  # the editor shows or hides its tools
                await self.send_msg(p.wire.AccessChanged(role=role))
            return True
        await self.error("forbidden", "your access to this project was removed")
        await self.close_with(CLOSE_FORBIDDEN)
        await self.disconnect(CLOSE_FORBIDDEN)  # leave the room now: no event reaches us
        return False

    async def access_changed(self, message):
        if self.joined and message.get("project_id") == self.video.project_id:
            await self._recheck_role()

    async def _broadcast_presence(self, users: list[dict]) -> None:
        await self.channel_layer.group_send(
            self.group, {"type": EVENT_TYPE, "event": p.dump(p.Presence(users=users))})

    # -- messages ------------------------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        if not self.joined:
            return
        raw = text_data if text_data is not None else bytes_data
        trace.stamp("srv.receive")
        metrics.ws_message()
        msg = None
        try:
            limits.charge_message(self.bucket)
            msg = p.parse_client(raw)
            limits.charge_inference(self.actor.user_id, msg)
            await getattr(self, "on_" + msg.type.replace(".", "_"))(msg)
        except p.Refusal as exc:
            await self.error(exc.code, exc.message, exc.req if msg is None else msg.req)
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

    async def on_object_split(self, msg):
        await self.ack(msg, await self._act(masklets.split_object, msg))

    async def on_object_merge(self, msg):
        await self.ack(msg, await self._act(masklets.merge_objects, msg))

    async def on_masks_clear(self, msg):
        await self.ack(msg, await self._act(masklets.clear_masks, msg))

    async def on_object_duplicate(self, msg):
        await self.ack(msg, await self._act(masklets.duplicate_object, msg))

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
        actions.check_presence(self.video, msg.frame)
        self.presence = dict(self.presence, frame=msg.frame, object_id=msg.object_id)
        store = presence_store()
        await store.set(self.video_id, self.channel_name, self.presence)
        await self._broadcast_presence(await store.users(self.video_id))
        await self.ack(msg, self.video.seq)

    async def on_sync(self, msg):
        if not await self._recheck_role():
            return
        top = await database_sync_to_async(sync.current_seq)(self.video_id)
        events = sync.sync_events(self.video_id, msg.since_seq)
        while True:
            # The generator keeps its DB cursor on the one thread database_sync_to_async uses.
            batch = await database_sync_to_async(lambda: list(islice(events, SYNC_BATCH)))()
            if not batch:
                break
            for ev in batch:
                top = max(top, ev.get("seq", 0))
                await self.send(text_data=_dumps(ev))
        await self.send_msg(p.SyncDone(seq=top, req=msg.req))


class ProjectConsumer(Consumer):
    """The project page's socket (`/ws/projects/<id>/`): server -> client only. Members hear
    their project's `video.updated` and `video.created|ready|failed|deleted`; `ping` is
    answered with `pong` (the client's keepalive), anything else with `error`. Same handshake
    auth, closes and per-user socket cap as the video room; the socket follows membership."""

    joined = False
    counted = False

    async def connect(self):
        self.project_id = int(self.scope["url_route"]["kwargs"]["project_id"])
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(4401)
            return
        self.role = await database_sync_to_async(role_in)(self.project_id, user.pk,
                                                          user.is_superuser)
        if self.role is None or not await database_sync_to_async(self._exists)():
            # As the video room: an unknown project and a non-member's look the same.
            await self.refuse(4404, "not_found", f"project {self.project_id} not found, or you "
                                                 "are not a member of it")
            return
        try:
            limits.open_socket(user.pk, user.username)
        except p.Refusal as exc:
            await self.refuse(CLOSE_TOO_MANY, exc.code, exc.message)
            return
        self.counted = True
        metrics.ws_opened()
        self.user_id, self.is_superuser = user.pk, user.is_superuser
        self.group = project_group_name(self.project_id)
        self.bucket = limits.connection_bucket()
        broadcaster().bind(asyncio.get_running_loop())
        # Join, then complete the handshake: once the client's socket is open, every later
        # change reaches it, so the list it reads then misses nothing.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(revocation.user_group(user.pk), self.channel_name)
        self.joined = True
        self._rechecker = asyncio.create_task(self._recheck_loop())
        await self.accept()

    async def refuse(self, code: int, error: str | None = None, message: str = "") -> None:
        """Complete the handshake only to say why (`error`), then close with `code`."""
        await self.accept()
        if error is not None:
            await self.error(error, message)
        await self.close_with(code)

    def _exists(self) -> bool:
        return Project.objects.filter(pk=self.project_id).exists()

    async def disconnect(self, code):
        if self.counted:
            self.counted = False
            limits.close_socket(self.user_id)
            metrics.ws_closed()
        if not self.joined:
            return
        self.joined = False
        if self._rechecker is not asyncio.current_task():
            self._rechecker.cancel()
        await self.channel_layer.group_discard(revocation.user_group(self.user_id),
                                               self.channel_name)
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _recheck_loop(self):
        while True:  # the pushed access.changed is at-most-once (the layer may drop it)
            await asyncio.sleep(ROLE_RECHECK_S)
            try:
                if not await self._recheck_role():
                    return
            except StopConsumer:
                return
            except Exception:
                log.exception("project socket role re-check failed")

    async def _recheck_role(self) -> bool:
        """Re-read this user's role: tell the page a new one (it shows or hides the managers'
        controls), or close the socket (4403) if they lost access."""
        role = await database_sync_to_async(role_in)(self.project_id, self.user_id,
                                                     self.is_superuser)
        if role is not None:
            changed, self.role = role != self.role, role
            if changed:
                await self.send_msg(p.wire.AccessChanged(role=role))
            return True
        await self.error("forbidden", "your access to this project was removed")
        await self.close_with(CLOSE_FORBIDDEN)
        await self.disconnect(CLOSE_FORBIDDEN)  # leave the group now: no event reaches us
        return False

    async def access_changed(self, message):
        if self.joined and message.get("project_id") == self.project_id:
            await self._recheck_role()

    async def receive(self, text_data=None, bytes_data=None):
        if not self.joined:
            return
        raw = text_data if text_data is not None else bytes_data
        metrics.ws_message()
        msg = None
        try:
            limits.charge_message(self.bucket)
            msg = p.parse_client(raw)
            if msg.type != "ping":
                raise p.Refusal("bad_message", f"the project socket only sends; it accepts "
                                f"'ping' alone, not {msg.type!r} (that goes to "
                                "/ws/videos/<id>/)", msg.req)
            await self.send_msg(p.Pong(req=msg.req))
        except p.Refusal as exc:
            await self.error(exc.code, exc.message, exc.req)
