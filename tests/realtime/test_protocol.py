"""The protocol module: strict parsing, and the schema and docs generated from it are current."""
import json

import pytest

from webapp.realtime import protocol as p
from webapp.realtime import protocol_docs as docs


def test_the_checked_in_schema_and_docs_match_the_protocol_module():
    assert docs.main([]) == 0, "run: python -m webapp.realtime.protocol_docs --write"
    schema = json.loads(docs.SCHEMA_PATH.read_text())
    assert schema["protocol"] == p.PROTOCOL_VERSION
    for t in ("prompt.add", "propagate.start", "sync", "presence", "ping"):
        assert f"`{t}`" in docs.DOCS_PATH.read_text()


@pytest.mark.parametrize("raw,code", [
    ("nope", "bad_message"),
    ("[1, 2]", "bad_message"),
    ('{"type": "ping", "bogus": 1}', "bad_message"),
    ('{"type": "prompt.add", "object_id": 1, "frame": 0}', "bad_message"),
    ('{"type": "prompt.add", "object_id": 1, "frame": 0, "points": [[1, 2]], "labels": [1, 0]}',
     "bad_message"),
    ('{"type": "propagate.start", "direction": "sideways"}', "bad_message"),
    ('{"type": "sync", "since_seq": -1}', "bad_message"),
    ("x" * (p.MAX_MESSAGE_BYTES + 1), "too_large"),
])
def test_it_rejects_malformed_messages_with_a_code(raw, code):
    with pytest.raises(p.Refusal) as exc:
        p.parse_client(raw)
    assert exc.value.code == code and exc.value.message


def test_it_echoes_the_req_of_a_message_it_rejects():
    with pytest.raises(p.Refusal) as exc:
        p.parse_client('{"type": "prompt.add", "req": "r7"}')
    assert exc.value.req == "r7"


def test_it_parses_every_contract_message():
    msgs = [
        {"type": "object.create", "label": "disc", "name": "a"},
        {"type": "object.update", "object_id": 1, "name": "b"},
        {"type": "object.delete", "object_id": 1},
        {"type": "prompt.add", "object_id": 1, "frame": 0, "points": [[1, 2]], "labels": [1],
         "clear_old": True, "req": 5},
        {"type": "prompt.add", "object_id": 1, "frame": 0, "box": [0, 0, 4, 4]},
        {"type": "prompt.mask", "object_id": 1, "frame": 0, "rle": {"size": [2, 2], "counts": "04"}},
        {"type": "propagate.start", "frame": 3, "direction": "both", "max_frames": 5,
         "object_ids": [1]},
        {"type": "propagate.cancel"},
        {"type": "sync", "since_seq": 0},
        {"type": "presence", "frame": 2, "object_id": None},
        {"type": "ping"},
    ]
    for m in msgs:
        assert p.parse_client(json.dumps(m)).type == m["type"]
