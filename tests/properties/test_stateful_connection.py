"""A stateful model of a client connection: every command in every state either works or
raises ``LocalProtocolError`` (leaving the state as it was), and the connection agrees with a
small reference model of its state, its turn-taking and its pending input audio. Commands are
drawn by the public strategies, of every class a GA client sends."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import realtime_proto as rp
from realtime_proto.testing import client_command, client_commands
from tests.helpers import ConnectionPair


class ConnectionModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.pair = ConnectionPair(open_now=False)
        self.client = self.pair.client
        # the reference model
        self.state = rp.ConnectionState.CONNECTING
        self.pending = 0
        self.responses = 0  # responses started and not finished
        self.requested = False  # a request is out and no response started yet
        self.deferred = False
        self.serial = 0
        self.closed_seen = False

    # -- the reference's view of what is allowed -----------------------------------------------

    def expect_sendable(self) -> bool:
        return self.state is rp.ConnectionState.OPEN

    def try_send(self, command: rp.Command) -> bool:
        before = (self.client.state, self.client.pending_input_audio, self.client.response_state)
        try:
            self.client.send(command)
        except rp.LocalProtocolError:
            after = (
                self.client.state,
                self.client.pending_input_audio,
                self.client.response_state,
            )
            assert after == before, "a refused command changed the state"
            assert not self.expect_sendable() or isinstance(command, rp.TruncateItem)
            return False
        assert self.expect_sendable() or isinstance(command, rp.Close)
        return True

    def settle(self) -> None:
        got, _ = self.pair.pump()
        for event in got:
            if isinstance(event, rp.ConnectionClosed):
                self.state = rp.ConnectionState.CLOSED
                self.closed_seen = True
                self.deferred = False
            elif isinstance(event, rp.Connected):
                self.state = rp.ConnectionState.OPEN

    # -- rules ---------------------------------------------------------------------------------

    @precondition(lambda self: self.state is rp.ConnectionState.CONNECTING)
    @rule()
    def accept(self) -> None:
        self.pair.open()
        self.state = rp.ConnectionState.OPEN

    def expect(self, command: rp.Command) -> None:
        """What a command that went out changes in the reference."""
        if isinstance(command, rp.AppendAudio):
            self.pending += len(command.audio)
        elif isinstance(command, (rp.CommitAudio, rp.ClearAudio)):
            self.pending = 0
        elif isinstance(command, rp.CancelResponse):
            self.deferred = False
        elif isinstance(command, rp.FinishTurn):
            self.pending = 0
            self.expect(command.response or rp.CreateResponse())
        elif isinstance(command, rp.CreateResponse) and not command.out_of_band:
            if self.responses or self.requested:
                self.deferred = True  # DEFER: held until the active response ends
            else:
                self.requested = True

    @rule(command=client_command(rp.AppendAudio))
    def append_audio(self, command: rp.AppendAudio) -> None:
        if self.try_send(command):
            self.expect(command)
        self.settle()

    @rule(command=client_commands(rp.Dialect.GA))
    def send_any_command(self, command: rp.Command) -> None:
        if self.try_send(command):
            self.expect(command)
        self.settle()

    @rule()
    def commit_or_clear(self) -> None:
        if self.try_send(rp.CommitAudio()):
            self.pending = 0
        self.settle()

    @rule(command=client_command(rp.SendText))
    def send_text(self, command: rp.SendText) -> None:
        self.try_send(command)
        self.settle()

    @rule(finish=st.booleans())
    def ask_for_a_response(self, finish: bool) -> None:
        command: rp.Command = rp.FinishTurn() if finish else rp.CreateResponse()
        if self.try_send(command):
            self.expect(command)
        self.settle()

    @precondition(lambda self: self.state is rp.ConnectionState.OPEN)
    @rule()
    def server_starts_a_response(self) -> None:
        self.serial += 1
        info = rp.ResponseInfo(id=f"resp_{self.serial}", conversation_id="conv")
        self.pair.server.send(rp.TurnStarted(response=info))
        self.responses += 1
        self.requested = False
        self.settle()

    @precondition(lambda self: self.state is rp.ConnectionState.OPEN and self.responses > 0)
    @rule()
    def server_finishes_the_response(self) -> None:
        info = rp.ResponseInfo(id=f"resp_{self.serial}", status="completed", conversation_id="c")
        self.pair.server.send(rp.TurnFinished(response=info))
        self.responses = 0
        if self.deferred:
            self.deferred = False
            self.requested = True
        self.settle()

    @rule()
    def cancel(self) -> None:
        if self.try_send(rp.CancelResponse()):
            self.deferred = False
        self.settle()

    @rule()
    def local_close(self) -> None:
        if self.state is rp.ConnectionState.OPEN and self.try_send(rp.Close()):
            self.state = rp.ConnectionState.CLOSING
            self.deferred = False
        elif self.state is not rp.ConnectionState.OPEN:
            self.try_send(rp.Close())
        self.settle()

    @precondition(lambda self: self.state is rp.ConnectionState.OPEN)
    @rule(code=st.sampled_from([1000, 1001, 4000]))
    def server_closes(self, code: int) -> None:
        self.pair.server.send(rp.Close(code=code))
        self.settle()
        assert self.closed_seen

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def the_state_agrees(self) -> None:
        assert self.client.state is self.state

    @invariant()
    def pending_audio_agrees(self) -> None:
        if self.state is rp.ConnectionState.OPEN:
            assert self.client.pending_input_audio == self.pending

    @invariant()
    def turn_taking_agrees(self) -> None:
        if self.state is not rp.ConnectionState.OPEN:
            return
        response = self.client.response_state
        if self.responses:
            assert response is rp.ResponseState.ACTIVE
        elif self.requested:
            assert response is rp.ResponseState.REQUESTED
        else:
            assert response is rp.ResponseState.IDLE
        assert (self.client.deferred_response is not None) == self.deferred


TestConnectionModel = ConnectionModel.TestCase
TestConnectionModel.settings = settings(
    settings.default, stateful_step_count=40, max_examples=settings.default.max_examples // 3
)
