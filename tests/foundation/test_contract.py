"""The JSON the frontend's generated TypeScript is built from is current (see frontend/scripts/
gen-protocol.mjs; a vitest checks the TypeScript against these files)."""
import json

from webapp.projects import contract
from webapp.projects.models import PALETTE, ROLE_ACTIONS, can
from webapp.realtime import protocol as p
from webapp.realtime import protocol_docs


def test_the_checked_in_project_contract_matches_the_models():
    assert contract.main([]) == 0, "run: python -m webapp.projects.contract --write"
    data = json.loads(contract.CONTRACT_PATH.read_text())
    assert data["palette"] == PALETTE
    for role, actions in data["role_actions"].items():
        for action in data["actions"]:
            assert (action in actions) == can(role, action), (role, action)
    assert set(data["role_actions"]) == {str(r) for r in ROLE_ACTIONS}


def test_the_schema_carries_every_close_reason():
    schema = json.loads(protocol_docs.SCHEMA_PATH.read_text())
    assert schema["close_reasons"] == {str(c): r for c, r in p.CLOSE_REASONS.items()}
    assert all(len(r.encode()) <= 123 for r in p.CLOSE_REASONS.values())  # a close frame's limit
