"""The WebSocket wire protocol: every client and server message as one strict pydantic model.

The consumer parses with `parse_client`, and everything the server sends is built from the
`Server*` models, so the JSON Schema and docs/protocol.md, generated from these models by
webapp/realtime/protocol_docs.py (`python -m webapp.realtime.protocol_docs --write`, checked
by tests/realtime/test_protocol.py), describe exactly what runs.
"""
from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from webapp.review import wire

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 256 * 1024  # a full-frame mask RLE of a 4K frame fits easily
MAX_POINTS = 64

# The app close codes after the handshake, each with its one reason (sent as the close frame's
# reason; the client shows it). Close only through close_reason(), never with a free string.
CLOSE_REASONS: dict[int, str] = {
    4401: "Sign in to open this video.",
    4403: "You were removed from this project.",
    4404: "No such video, or you are not a member of its project.",
    4429: "Too many open connections: close another tab and reload.",
}


def close_reason(code: int) -> str:
    return CLOSE_REASONS[code]

Req = Annotated[Union[int, str], Field(description="client's request id, echoed in the reply")]
# Every integer fits the database's 64-bit columns: a larger one is a bad_message, not a
# crash deep in a query. Ranges that depend on the video (frames, pixels) are checked later
# and answered with out_of_range.
Int = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
MAX_SIDE = 16384  # an RLE's height or width
ReqStr = Annotated[str, Field(max_length=64)]


class Msg(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClientMsg(Msg):
    req: Union[int, ReqStr, None] = Field(None, description="echoed in the ack/error/pong/sync.done")


# --- client -> server ---------------------------------------------------------------------
class ObjectCreate(ClientMsg):
    """Create an object (masklet). `label` is a label class name of the project."""

    type: Literal["object.create"]
    label: Annotated[str, Field(max_length=100)] | None = None
    name: Annotated[str, Field(max_length=200)] = ""
    color: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] | None = None


class ObjectUpdate(ClientMsg):
    """Change an object's name, label, color or review status; omitted fields stay."""

    type: Literal["object.update"]
    object_id: Int
    label: Annotated[str, Field(max_length=100)] | None = None
    name: Annotated[str, Field(max_length=200)] | None = None
    color: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] | None = None
    review_status: Literal["draft", "submitted", "accepted", "rejected"] | None = None


class ObjectDelete(ClientMsg):
    """Delete an object and its masks (soft delete; the prompt log stays replayable)."""

    type: Literal["object.delete"]
    object_id: Int


class ObjectSplit(ClientMsg):
    """Extension: frames >= `frame` move to a new object (see Masklet operations)."""

    type: Literal["object.split"]
    object_id: Int
    frame: Int


class ObjectMerge(ClientMsg):
    """Extension: `object_id` moves into `into_id`, then is deleted (Masklet operations)."""

    type: Literal["object.merge"]
    object_id: Int
    into_id: Int


class MasksClear(ClientMsg):
    """Extension: empty an object's masks and reset its prompts on frames start..end."""

    type: Literal["masks.clear"]
    object_id: Int
    start: Int
    end: Int


class ObjectDuplicate(ClientMsg):
    """Extension: a new object with a copy of the masks and prompts (Masklet operations)."""

    type: Literal["object.duplicate"]
    object_id: Int

Point = Annotated[list[float], Field(min_length=2, max_length=2)]


class PromptAdd(ClientMsg):
    """Click points (label 1 = positive, 0 = negative) and/or a box on one frame of one object."""

    type: Literal["prompt.add"]
    object_id: Int
    frame: Int
    points: Annotated[list[Point], Field(max_length=MAX_POINTS)] | None = None
    labels: Annotated[list[Literal[0, 1]], Field(max_length=MAX_POINTS)] | None = None
    box: Annotated[list[float], Field(min_length=4, max_length=4)] | None = None
    clear_old: bool = False

    @model_validator(mode="after")
    def _points_or_box(self):
        if not self.points and self.box is None:
            raise ValueError("prompt.add needs points or a box")
        if self.points and (self.labels is None or len(self.labels) != len(self.points)):
            raise ValueError("labels must have one entry (1 or 0) per point")
        if not self.points and self.labels:
            raise ValueError("labels given without points")
        return self


def rle_runs(counts: str) -> list[int]:
    """The run lengths of a COCO compressed RLE string (pycocotools' rleFrString), checked:
    a malformed string raises ValueError instead of decoding to uninitialised memory."""
    runs: list[int] = []
    p, n = 0, len(counts)
    while p < n:
        x = k = 0
        more = True
        while more:
            if p >= n:
                raise ValueError("rle.counts ends in the middle of a run length")
            c = ord(counts[p]) - 48
            if not 0 <= c < 64:
                raise ValueError(f"rle.counts has a character outside the RLE alphabet: {counts[p]!r}")
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and c & 0x10:
                x |= -1 << (5 * k)
        if len(runs) > 2:
            x += runs[-2]
        if x < 0:
            raise ValueError(f"rle.counts has a negative run length at run {len(runs)}")
        runs.append(x)
    return runs


class Rle(Msg):
    size: Annotated[list[int], Field(min_length=2, max_length=2)]
    counts: str


class RleIn(Rle):
    """A client's RLE: checked to decode to exactly size[0] x size[1] pixels."""

    size: Annotated[list[Annotated[int, Field(ge=1, le=MAX_SIDE)]],
                    Field(min_length=2, max_length=2)]
    counts: Annotated[str, Field(max_length=MAX_MESSAGE_BYTES)]

    @model_validator(mode="after")
    def _covers_the_image(self):
        h, w = self.size
        total = sum(rle_runs(self.counts))
        if total != h * w:
            raise ValueError(f"rle.counts cover {total} pixels, not size {h}x{w} = {h * w}")
        return self


class PromptMask(ClientMsg):
    """Set an object's mask on one frame (COCO compressed RLE at video size). SAM 2 conditions
    on it, and the object's mask on that frame is stored exactly as sent (until a click there
    refines it)."""

    type: Literal["prompt.mask"]
    object_id: Int
    frame: Int
    rle: RleIn


class PropagateStart(ClientMsg):
    """Track objects through the video from `frame` (default: the earliest prompted frame of
    the chosen objects). Extension: `object_ids` limits it to some objects; with `max_frames`
    it covers frames `[frame, frame + max_frames)` forward and/or `(frame - max_frames, frame]`
    backward. Propagations of other objects keep running alongside (each is a `job`); one
    already running on any of the same objects is superseded."""

    type: Literal["propagate.start"]
    frame: Int | None = None
    direction: Literal["forward", "backward", "both"] = "forward"
    max_frames: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    object_ids: Annotated[list[Int], Field(min_length=1, max_length=1000)] | None = None


class PropagateCancel(ClientMsg):
    """Stop the sender's propagations of this video within one frame, or (extension) the
    propagation `job`, whoever started it."""

    type: Literal["propagate.cancel"]
    job: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None


class Sync(ClientMsg):
    """Replay every change with seq > since_seq, then `sync.done`."""

    type: Literal["sync"]
    since_seq: Annotated[int, Field(ge=0, le=2**63 - 1)]


class PresenceSet(ClientMsg):
    """Tell the room which frame (and object) you are looking at."""

    type: Literal["presence"]
    frame: Int
    object_id: Int | None = None


class Ping(ClientMsg):
    type: Literal["ping"]


ClientMessage = Annotated[
    Union[ObjectCreate, ObjectUpdate, ObjectDelete, PromptAdd, PromptMask, PropagateStart,
          PropagateCancel, Sync, PresenceSet, Ping, ObjectSplit, ObjectMerge, MasksClear,
          ObjectDuplicate],
    Field(discriminator="type"),
]
CLIENT_ADAPTER: TypeAdapter = TypeAdapter(ClientMessage)


# --- server -> client ---------------------------------------------------------------------
ErrorCode = Literal["bad_message", "too_large", "rate_limited", "forbidden", "out_of_range",
                    "not_found", "unavailable", "internal"]


class ObjectOut(Msg):
    id: int
    label: str | None
    name: str
    color: str
    review_status: str
    seq: int


class UserPresence(Msg):
    username: str
    frame: int | None
    object_id: int | None


class VideoInfo(Msg):
    id: int
    num_frames: int
    width: int
    height: int
    fps: float
    status: str


class ModelOut(Msg):
    name: str
    random_weights: bool


class SessionState(Msg):
    """Sent once on connect, after joining the room: the snapshot the live stream continues.
    Extensions: `video`, `model` (the UI shows a banner when `random_weights`), `role`, `you`,
    `protocol` (the version: a client built for another one asks the user to reload)."""

    type: Literal["session.state"] = "session.state"
    seq: int
    objects: list[ObjectOut]
    users: list[UserPresence]
    video: VideoInfo
    model: ModelOut
    role: str
    you: str
    protocol: int = PROTOCOL_VERSION


class Ack(Msg):
    """The message with this `req` was accepted. `seq` is the change's seq (for commands that
    make no change of their own: the video's current seq)."""

    type: Literal["ack"] = "ack"
    req: Req
    seq: int


class Error(Msg):
    type: Literal["error"] = "error"
    req: Req | None = None
    code: ErrorCode
    message: str


class ObjectEvent(Msg):
    type: Literal["object.created", "object.updated", "object.deleted"]
    object: ObjectOut
    seq: int
    by: str | None


class MaskOut(Msg):
    object_id: int
    rle: Rle
    score: float | None


class Masks(Msg):
    """Masks of one frame. Every mask row stored gets a fresh seq, so `masks` of one
    propagation batch share a seq across frames. `source: "edit"` (extension): from a masklet
    operation; an empty RLE there means the object has no mask on that frame any more."""

    type: Literal["masks"] = "masks"
    seq: int
    frame: int
    source: Literal["prompt", "propagation", "import", "edit"]
    by: str | None
    masks: list[MaskOut]


class PromptOut(Msg):
    object_id: int
    frame: int
    kind: Literal["point", "box", "mask"]
    points: list[list[float]] | None = None
    labels: list[int] | None = None
    box: list[float] | None = None
    clear_old: bool = False


class PromptAdded(Msg):
    """Extension: a prompt was stored (before inference), so everyone can draw the clicks."""

    type: Literal["prompt.added"] = "prompt.added"
    seq: int
    prompt: PromptOut
    by: str | None


class PropagationProgress(Msg):
    """`job` (extension): which propagation, when several run on the video at once."""

    type: Literal["propagation.progress"] = "propagation.progress"
    done: int
    total: int
    frame: int
    by: str | None = None
    job: int | None = None


class PropagationDone(Msg):
    """`job` (extension) as in propagation.progress. `reason` (extension): cancelled
    (propagate.cancel), superseded (a newer propagate.start on some of the same objects),
    failed, worker_lost (the inference worker died, reported within seconds by the servers'
    watchdog; what it stored is kept), or null. A propagate.cancel with nothing running is
    answered to its sender alone with cancelled, done 0 of 0."""

    type: Literal["propagation.done"] = "propagation.done"
    cancelled: bool
    reason: Literal["cancelled", "superseded", "failed", "worker_lost"] | None = None
    done: int = 0
    total: int = 0
    by: str | None = None
    job: int | None = None


class Presence(Msg):
    type: Literal["presence"] = "presence"
    users: list[UserPresence]


class Pong(Msg):
    type: Literal["pong"] = "pong"
    req: Req | None = None


class SyncDone(Msg):
    type: Literal["sync.done"] = "sync.done"
    seq: int
    req: Req | None = None


# The team workflow's events live in webapp/review/wire.py (pydantic only).
ServerMessage = Annotated[
    Union[SessionState, Ack, Error, ObjectEvent, Masks, PromptAdded, PropagationProgress,
          PropagationDone, Presence, Pong, SyncDone, wire.VideoUpdated, wire.CommentEvent,
          wire.Flags, wire.AccessChanged, wire.VideoListed, wire.MembersChanged],
    Field(discriminator="type"),
]
SERVER_ADAPTER: TypeAdapter = TypeAdapter(ServerMessage)


class Refusal(Exception):
    """A refused message or action, with its wire error `code` (see ErrorCode): raised by
    parse_client for malformed input and by the action layer for forbidden or impossible
    requests alike; the consumer answers it with `error`."""

    def __init__(self, code: str, message: str, req: Any = None):
        super().__init__(message)
        self.code, self.message, self.req = code, message, req


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {err['msg']}" if loc else err["msg"]


def parse_client(raw: str | bytes) -> BaseModel:
    """Validate one client frame; raises Refusal(bad_message|too_large)."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise Refusal("too_large", f"message is {len(raw)} bytes, the limit is {MAX_MESSAGE_BYTES}")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Refusal("bad_message", "message is not valid JSON") from None
    req = data.get("req") if isinstance(data, dict) else None
    if not isinstance(req, (int, str)) or isinstance(req, bool):
        req = None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise Refusal("bad_message", "message must be a JSON object with a string 'type'", req)
    try:
        return CLIENT_ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise Refusal("bad_message", _first_error(exc), req) from None


def dump(msg: BaseModel) -> dict:
    return msg.model_dump(mode="json")
