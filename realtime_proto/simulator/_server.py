"""A deterministic stand-in for the realtime service, behind a SERVER connection.

Pure like the rest of the core: bytes in, bytes out, and time handed in through
:meth:`Simulator.handle_timer`. It follows the service's rules (GA spec, section 5): the
default session, ``session.update``, server VAD on the input audio (an energy detector that
honours threshold, prefix padding and silence duration), manual turns, input transcription
(of what it measured: it cannot understand speech), responses with their whole lifecycle,
function calls, the service's error codes for misuse, and an optional session expiry. What the
model says is decided by a replaceable :class:`ReplyPolicy`.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable

import attrs

from .._commands import (
    AcceptConnection,
    AppendAudio,
    CancelResponse,
    ClearAudio,
    Close,
    Command,
    CommitAudio,
    CreateItem,
    CreateResponse,
    DeleteItem,
    FinishTurn,
    RetrieveItem,
    SendText,
    SendToolResponse,
    TruncateItem,
    UpdateSession,
)
from .._connection import NEED_DATA, Connection
from .._errors import LocalProtocolError
from .._events import (
    ConnectionClosed,
    ConnectionRequested,
    Event,
    InputAudioCleared,
    InputAudioCommitted,
    InputTranscriptionCompleted,
    InputTranscriptionDelta,
    InvalidMessage,
    ItemAdded,
    ItemDeleted,
    ItemDone,
    ItemRetrieved,
    ItemTruncated,
    ServerError,
    Session,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
    UnknownEvent,
)
from .._options import (
    AudioFormat,
    ConversationOptions,
    Dialect,
    NoTurnDetection,
    ServerVad,
    Timeouts,
)
from .._state import ConnectionState
from .._values import ContentPart, ConversationItem, ErrorDetail
from ..audio import (
    WavAudio,
    WavFormat,
    bytes_for_ms,
    decode_session_audio,
    duration_ms,
    encode_session_audio,
    to_session_format,
)
from ._policy import EchoPolicy, Reply, ReplyContext, ReplyPolicy, UserInput, tone
from ._response import SimulatedResponse
from ._urls import requested_dialect
from ._vad import EnergyVad, SpeechStart

__all__ = ["Simulator"]

_TONE_MS = 600


def default_options() -> ConversationOptions:
    """The session the service starts with (GA defaults)."""
    return ConversationOptions(
        system_message="You are a helpful, witty and friendly AI.",
        voice="alloy",
        input_audio_format=AudioFormat.PCM16,
        output_audio_format=AudioFormat.PCM16,
        turn_detection=ServerVad(),
        tools=(),
        tool_choice="auto",
        max_output_tokens="inf",
        disable_audio=False,
    )


def _merge(old: ConversationOptions, new: ConversationOptions) -> ConversationOptions:
    changes = {
        field.name: getattr(new, field.name)
        for field in attrs.fields(ConversationOptions)
        if getattr(new, field.name) is not None and field.name != "extra"
    }
    return attrs.evolve(old, **changes)


def _error(code: str, message: str, event_id: str | None, param: str | None = None) -> ServerError:
    detail = ErrorDetail(
        type="invalid_request_error", code=code, message=message, param=param, event_id=event_id
    )
    return ServerError(error=detail)


class Simulator:
    """Serves one simulated session over a SERVER :class:`Connection`.

    ``policy`` decides what the model says (default :class:`EchoPolicy`). ``pace_audio`` sends
    reply audio in real time (so a response stays active, can be cancelled and barged in on);
    ``session_duration`` ends the session with ``session_expired`` after that many seconds.
    Both need a clock: call :meth:`handle_timer` as :meth:`next_deadline` asks. A client speaks
    the dialect its URL asks for (``?dialect=ga|beta|preview``, or a ``/preview`` path), else
    ``default_dialect``.
    """

    def __init__(
        self,
        *,
        model: str = "simulated-realtime",
        policy: ReplyPolicy | Callable[[ReplyContext], Reply] | None = None,
        pace_audio: bool = False,
        session_duration: float | None = None,
        default_dialect: Dialect = Dialect.GA,
    ) -> None:
        self.default_dialect = default_dialect
        # The client keeps the connection alive; the simulator only answers its pings.
        self.connection = Connection.server(timeouts=Timeouts(keepalive_interval=None))
        self._policy = policy or EchoPolicy()
        self._pace = pace_audio
        self._duration = session_duration
        self._ids = itertools.count(1)
        self._session = Session(id="sess_sim", model=model, options=default_options())
        self._input = bytearray()
        self._vad: EnergyVad | None = None
        self._vad_offset_ms = 0  # where the current detector started, in session audio
        self._speech_item: str | None = None
        self._speech_start_ms = 0
        self._items: dict[str, ConversationItem] = {}
        self._audio_ms: dict[str, int] = {}
        self._last_item: str | None = None
        self._user: UserInput | None = None
        self._answered = False  # the last user input has had its response
        self._tool_outputs: list[tuple[str, str]] = []
        self._calls: dict[str, str] = {}  # call_id -> tool name
        self._active: SimulatedResponse | None = None
        self._schedule: deque[tuple[float, Event | None]] = deque()  # paced reply audio
        self._now: float | None = None
        self._expires: float | None = None
        self._configure_vad()

    # -- bytes and time ---------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        self.connection.receive_data(data)
        self._process()

    def receive_eof(self) -> None:
        self.connection.receive_eof()
        self._process()

    def data_to_send(self) -> bytes:
        return self.connection.data_to_send()

    @property
    def items(self) -> tuple[ConversationItem, ...]:
        """The conversation's items, in the order they were added: what the model is given."""
        return tuple(self._items.values())

    @property
    def finished(self) -> bool:
        """The connection is over: nothing more will be sent."""
        return self.connection.state is ConnectionState.CLOSED

    def next_deadline(self) -> float | None:
        """When :meth:`handle_timer` must run next (paced audio, expiry, keepalive)."""
        due = [d for d in (self.connection.next_deadline(), self._expires) if d is not None]
        if self._schedule:
            due.append(self._schedule[0][0])
        if self._now is None and (self._pace or self._duration is not None):
            due.append(float("-inf"))
        return min(due) if due else None

    def handle_timer(self, now: float) -> None:
        self._now = now
        self.connection.handle_timer(now)
        if self._duration is not None and self._expires is None:
            self._expires = now + self._duration
        self._release(now)
        if self._expires is not None and now >= self._expires and self._open():
            self._expires = None
            minutes = (self._duration or 0) / 60
            self._send(
                _error(
                    "session_expired",
                    f"Your session hit the maximum duration of {minutes:g} minutes.",
                    None,
                )
            )
            self.connection.send(Close(code=1000, reason="session expired"))

    def _release(self, now: float) -> None:
        """Send the paced events that are due."""
        while self._schedule and self._schedule[0][0] <= now and self._open():
            _, event = self._schedule.popleft()
            if event is None:
                self._finish_active()
            else:
                self._emit(event)

    def _open(self) -> bool:
        return self.connection.can_send

    # -- dispatch ---------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        """A fresh id, never one of an item the client created (such as a restored one)."""
        while (made := f"{prefix}_{next(self._ids)}") in self._items:
            pass
        return made

    def _send(self, *events: Event) -> None:
        """Send ``events``; none once the client's close has been read (its messages that
        came before the close are still answered as far as the connection allows)."""
        for event in events:
            if self.connection.can_send:
                self.connection.send(event)

    def _emit(self, event: Event) -> None:
        """Send an event of the active response, keeping track of what it said."""
        assert self._active is not None
        self._active.sent(event)
        self._send(event)

    def _process(self) -> None:
        while True:
            try:
                event = self.connection.next_event()
            except LocalProtocolError:  # the final event was delivered
                return
            if event is NEED_DATA or isinstance(event, ConnectionClosed):
                return
            if isinstance(event, ConnectionRequested):
                self.connection.dialect = requested_dialect(event.target) or self.default_dialect
                self.connection.send(AcceptConnection())
                self._send(SessionCreated(session=self._session))
            elif isinstance(event, InvalidMessage):
                self._send(_error("invalid_event", event.reason, None))
            elif isinstance(event, UnknownEvent):
                self._send(
                    _error(
                        "invalid_value",
                        f"Invalid value: '{event.event_type}'. Not a supported client event.",
                        _event_id(event.payload),
                        param="type",
                    )
                )
            elif isinstance(event, Command) and self._open():
                self._on_command(event)

    def _on_command(self, command: Command) -> None:
        if isinstance(command, UpdateSession):
            self._update(command.options)
        elif isinstance(command, AppendAudio):
            self._append(command.audio)
        elif isinstance(command, ClearAudio):
            self._input.clear()
            self._speech_item = None
            if self._vad is not None:
                self._vad.reset()
            self._send(InputAudioCleared())
        elif isinstance(command, CommitAudio):
            if self._speech_item is not None:
                self._end_speech()  # a manual commit during speech takes the speech item
            else:
                self._commit(command.event_id, speech_ms=None)
        elif isinstance(command, SendText):
            content = (ContentPart(type="input_text", text=command.text),)
            self._add_item(ConversationItem(type="message", role="user", content=content))
            self._user = UserInput(text=command.text)
            self._answered = False
        elif isinstance(command, SendToolResponse):
            self._tool_output(command)
        elif isinstance(command, CreateItem):
            self._add_item(command.item)
        elif isinstance(command, CreateResponse):
            self._respond()
        elif isinstance(command, FinishTurn):  # preview: commit what is pending, then answer
            self._end_speech()
            if self._input:
                self._commit(command.event_id, speech_ms=None)
            if not self._answered and self._active is None:
                self._respond()
        elif isinstance(command, CancelResponse):
            self._cancel(command)
        elif isinstance(command, TruncateItem):
            self._truncate(command)
        elif isinstance(command, DeleteItem):
            self._delete(command)
        elif isinstance(command, RetrieveItem):
            self._retrieve(command)

    # -- session and input ------------------------------------------------------------------

    def _update(self, options: ConversationOptions) -> None:
        merged = _merge(self._session.options, options)
        self._session = attrs.evolve(self._session, options=merged)
        self._configure_vad()
        self._send(SessionUpdated(session=self._session))

    def _configure_vad(self) -> None:
        options = self._session.options
        detection = options.turn_detection
        if not isinstance(detection, ServerVad):  # semantic VAD is approximated by energy too
            detection = None if isinstance(detection, NoTurnDetection) else ServerVad()
        if detection is None:
            self._vad = None
            return
        fmt = options.input_audio_format or AudioFormat.PCM16
        position = self._vad.position_ms if self._vad is not None else 0
        self._vad = EnergyVad(
            sample_rate=fmt.sample_rate,
            threshold=detection.threshold,
            prefix_padding_ms=detection.prefix_padding_ms,
            silence_duration_ms=detection.silence_duration_ms,
        )
        self._vad_offset_ms = position

    def _input_format(self) -> AudioFormat:
        return self._session.options.input_audio_format or AudioFormat.PCM16

    def _append(self, audio: bytes) -> None:
        self._input += audio
        if self._vad is None:
            return
        for found in self._vad.feed(decode_session_audio(audio, self._input_format())):
            if isinstance(found, SpeechStart):
                self._speech_started(found.audio_start_ms + self._vad_offset_ms)
            else:
                self._speech_stopped(found.audio_end_ms + self._vad_offset_ms)

    def _speech_started(self, start_ms: int) -> None:
        self._speech_item = self._id("item")
        self._speech_start_ms = start_ms
        self._send(SpeechStarted(audio_start_ms=start_ms, item_id=self._speech_item))
        detection = self._session.options.turn_detection
        if self._active is not None and getattr(detection, "interrupt_response", True):
            self._cut_active("turn_detected")

    def _end_speech(self) -> None:
        """The client ends its turn while VAD still hears speech: the speech ends here."""
        item_id, vad = self._speech_item, self._vad
        if item_id is None or vad is None:
            return
        self._speech_item = None
        end_ms = vad.position_ms + self._vad_offset_ms
        vad.reset()
        self._send(SpeechStopped(audio_end_ms=end_ms, item_id=item_id))
        self._commit(None, speech_ms=end_ms - self._speech_start_ms, item_id=item_id)

    def _speech_stopped(self, end_ms: int) -> None:
        item_id = self._speech_item or self._id("item")
        self._speech_item = None
        self._send(SpeechStopped(audio_end_ms=end_ms, item_id=item_id))
        self._commit(None, speech_ms=end_ms - self._speech_start_ms, item_id=item_id)
        detection = self._session.options.turn_detection
        if getattr(detection, "create_response", True) and self._active is None:
            self._respond()

    def _commit(self, event_id: str | None, *, speech_ms: int | None, item_id: str = "") -> None:
        if not self._input:
            self._send(
                _error(
                    "input_audio_buffer_commit_empty",
                    "Error committing input audio buffer: buffer too small. Expected at least "
                    "100ms of audio, but buffer only has 0.00ms of audio.",
                    event_id,
                )
            )
            return
        fmt = self._input_format()
        audio = bytes(self._input)
        self._input.clear()
        duration = int(duration_ms(len(audio), fmt))
        item_id = item_id or self._id("item")
        self._send(InputAudioCommitted(item_id=item_id, previous_item_id=self._last_item))
        content = (ContentPart(type="input_audio"),)
        item = ConversationItem(
            type="message", id=item_id, role="user", status="completed", content=content
        )
        self._add_item(item)
        heard = speech_ms if speech_ms is not None else duration
        self._user = UserInput(audio=audio, speech_ms=heard)
        self._answered = False
        if self._session.options.transcribe_input is not None:
            transcript = f"({heard} ms of speech)"
            self._send(
                InputTranscriptionDelta(item_id=item_id, content_index=0, delta=transcript),
                InputTranscriptionCompleted(
                    item_id=item_id, content_index=0, audio_transcript=transcript
                ),
            )

    def _add_item(self, item: ConversationItem) -> None:
        if item.id is None:
            item = attrs.evolve(item, id=self._id("item"))
        assert item.id is not None
        previous, self._last_item = self._last_item, item.id
        self._items[item.id] = item
        self._send(ItemAdded(item=item, previous_item_id=previous))
        self._send(ItemDone(item=item, previous_item_id=previous))

    def _tool_output(self, command: SendToolResponse) -> None:
        name = self._calls.get(command.tool_call_id, "tool")
        item = ConversationItem(
            type="function_call_output", call_id=command.tool_call_id, output=command.output
        )
        self._add_item(item)
        self._tool_outputs.append((name, command.output))
        self._answered = False

    # -- responses --------------------------------------------------------------------------

    def _respond(self) -> None:
        self._answered = True
        options = self._session.options
        context = ReplyContext(
            user=self._user,
            tool_outputs=tuple(self._tool_outputs),
            tools=options.tools or (),
            tool_choice=options.tool_choice,
            instructions=options.system_message,
            history=self.items,
        )
        reply = self._policy(context)
        self._tool_outputs.clear()
        output = options.output_audio_format or AudioFormat.PCM16
        audio = None if options.disable_audio else self._reply_audio(reply, output)
        response = SimulatedResponse.build(
            reply,
            new_id=self._id,
            audio=audio,
            bytes_per_ms=bytes_for_ms(1, output),
        )
        self._active = response
        for event in response.head:
            self._emit(event)
        if self._pace and audio and self._now is not None:
            due = self._now
            for length_ms, event in response.deltas:
                self._schedule.append((due, event))
                due += length_ms / 1000
            self._schedule.append((due, None))  # the end of the audio: the response is done
            self._release(self._now)
            return
        for _, event in response.deltas:
            self._emit(event)
        self._finish_active()

    def _reply_audio(self, reply: Reply, output: AudioFormat) -> bytes:
        if reply.audio is not None:
            return reply.audio
        user = self._user
        if user is not None and user.audio is not None:
            return to_session_format(
                WavAudio(format=WavFormat.of(self._input_format()), data=user.audio), output
            )
        return encode_session_audio(tone(_TONE_MS, output.sample_rate), output)

    def _finish_active(self) -> None:
        response, self._active = self._active, None
        assert response is not None  # only the response being sent is finished
        self._send(*response.tail())
        self._remember(response)

    def _cut_active(self, reason: str) -> None:
        response, self._active = self._active, None
        assert response is not None  # callers cut only an active response
        self._schedule.clear()
        self._send(*response.tail(reason=reason))
        self._remember(response, played_ms=response.audio_ms_sent)

    def _remember(self, response: SimulatedResponse, played_ms: int | None = None) -> None:
        if response.message_id is not None:
            self._last_item = response.message_id
            self._items[response.message_id] = ConversationItem(
                type="message", id=response.message_id, role="assistant", status="completed"
            )
            if response.audio_reply:
                sent = response.audio_ms_sent if played_ms is None else played_ms
                self._audio_ms[response.message_id] = sent
        call = response.call_item
        if call is not None and call.id is not None and call.call_id is not None:
            self._items[call.id] = call
            self._calls[call.call_id] = call.name or "tool"
            self._last_item = call.id

    def _cancel(self, command: CancelResponse) -> None:
        active = self._active
        if active is None or (command.response_id not in (None, active.info.id)):
            self._send(
                _error(
                    "response_cancel_not_active",
                    "Cancellation failed: no active response found.",
                    command.event_id,
                )
            )
            return
        self._cut_active("client_cancelled")

    # -- items ------------------------------------------------------------------------------

    def _unknown_item(self, verb: str, item_id: str, event_id: str | None) -> None:
        self._send(
            _error(
                f"item_{verb}_invalid_item_id",
                f"Item with item_id not found: {item_id}",
                event_id,
                param="item_id",
            )
        )

    def _truncate(self, command: TruncateItem) -> None:
        length = self._audio_ms.get(command.item_id)
        if length is None:
            self._unknown_item("truncate", command.item_id, command.event_id)
            return
        if command.audio_end_ms > length:
            self._send(
                _error(
                    "invalid_value",
                    f"Audio content of {length}ms is already shorter than {command.audio_end_ms}ms",
                    command.event_id,
                    param="audio_end_ms",
                )
            )
            return
        self._audio_ms[command.item_id] = command.audio_end_ms
        self._send(
            ItemTruncated(
                item_id=command.item_id,
                content_index=command.content_index,
                audio_end_ms=command.audio_end_ms,
            )
        )

    def _delete(self, command: DeleteItem) -> None:
        if self._items.pop(command.item_id, None) is None:
            self._unknown_item("delete", command.item_id, command.event_id)
            return
        self._audio_ms.pop(command.item_id, None)
        self._send(ItemDeleted(item_id=command.item_id))

    def _retrieve(self, command: RetrieveItem) -> None:
        item = self._items.get(command.item_id)
        if item is None:
            self._unknown_item("retrieve", command.item_id, command.event_id)
            return
        self._send(ItemRetrieved(item=item))


def _event_id(payload: object) -> str | None:
    value = payload.get("event_id") if isinstance(payload, dict) else None
    return value if isinstance(value, str) else None
