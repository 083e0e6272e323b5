"""The transition tables: every (state, input) pair is a transition or a LocalProtocolError."""

from __future__ import annotations

import itertools

import pytest

import realtime_proto as rp
from realtime_proto import ConnectionState, ResponseState
from realtime_proto._state import (
    ConnectionInput,
    ResponseInput,
    TurnTaking,
    next_connection_state,
    next_response_state,
)

CONNECTION_TRANSITIONS = {
    (ConnectionState.CONNECTING, ConnectionInput.HANDSHAKE_COMPLETE): ConnectionState.OPEN,
    (ConnectionState.CONNECTING, ConnectionInput.CLOSED): ConnectionState.CLOSED,
    (ConnectionState.OPEN, ConnectionInput.LOCAL_CLOSE): ConnectionState.CLOSING,
    (ConnectionState.OPEN, ConnectionInput.CLOSED): ConnectionState.CLOSED,
    (ConnectionState.CLOSING, ConnectionInput.CLOSED): ConnectionState.CLOSED,
}


@pytest.mark.parametrize(
    ("state", "event"), list(itertools.product(ConnectionState, ConnectionInput))
)
def test_connection_table(state: ConnectionState, event: ConnectionInput) -> None:
    expected = CONNECTION_TRANSITIONS.get((state, event))
    if expected is None:
        with pytest.raises(rp.LocalProtocolError):
            next_connection_state(state, event)
    else:
        assert next_connection_state(state, event) is expected


def test_no_transition_leaves_closed() -> None:
    for event in ConnectionInput:
        with pytest.raises(rp.LocalProtocolError):
            next_connection_state(ConnectionState.CLOSED, event)


@pytest.mark.parametrize(("state", "event"), list(itertools.product(ResponseState, ResponseInput)))
def test_response_table_is_total(state: ResponseState, event: ResponseInput) -> None:
    refused = {
        (ResponseState.REQUESTED, ResponseInput.REQUEST),
        (ResponseState.ACTIVE, ResponseInput.REQUEST),
        (ResponseState.IDLE, ResponseInput.REFUSED),
        (ResponseState.IDLE, ResponseInput.REFUSED_ACTIVE),
        (ResponseState.ACTIVE, ResponseInput.REFUSED),
        (ResponseState.ACTIVE, ResponseInput.REFUSED_ACTIVE),
    }
    # a second request while one is in flight goes through the policy, never the table
    if (state, event) in refused:
        with pytest.raises(rp.LocalProtocolError, match=state.value):
            next_response_state(state, event)
    else:
        assert isinstance(next_response_state(state, event), ResponseState)


def test_defer_collapses_requests_and_releases_the_latest() -> None:
    turns = TurnTaking()
    assert turns.request(rp.CreateResponse(event_id="a"))
    assert not turns.request(rp.CreateResponse(event_id="b"))
    assert not turns.request(rp.CreateResponse(event_id="c"))
    turns.started("resp_1", in_band=True)
    released = turns.finished("resp_1")
    assert released is not None
    assert released.event_id == "c"
    assert turns.state is ResponseState.REQUESTED


def test_out_of_band_requests_bypass_the_rule() -> None:
    turns = TurnTaking(policy=rp.ResponsePolicy.RAISE)
    assert turns.request(rp.CreateResponse())
    assert turns.request(rp.CreateResponse(conversation="none"))
    assert not turns.is_in_band(None)
    turns.started("oob", in_band=False)
    assert turns.state is ResponseState.REQUESTED
    assert turns.is_in_band(None)


def test_a_finished_response_that_is_not_the_active_one_changes_nothing() -> None:
    turns = TurnTaking()
    turns.started("resp_1", in_band=True)
    assert turns.finished("resp_other") is None
    assert turns.state is ResponseState.ACTIVE


def test_refusal_of_our_request_returns_to_idle_and_releases_a_deferred_one() -> None:
    turns = TurnTaking()
    turns.request(rp.CreateResponse(event_id="a"))
    turns.request(rp.CreateResponse(event_id="b"))
    assert turns.refused("unrelated", "invalid_event") is None
    released = turns.refused("a", "invalid_value")
    assert released is not None
    assert released.event_id == "b"
