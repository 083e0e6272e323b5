"""Options validate once at construction and map onto both session generations."""

from __future__ import annotations

import pytest

import realtime_proto as rp
from realtime_proto._dialects._session import decode_session, encode_options, encode_session


def test_validation() -> None:
    with pytest.raises(ValueError, match="threshold"):
        rp.ServerVad(threshold=1.5)
    with pytest.raises(ValueError, match="silence_duration_ms"):
        rp.ServerVad(silence_duration_ms=-1)
    with pytest.raises(ValueError, match="eagerness"):
        rp.SemanticVad(eagerness="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name"):
        rp.ToolDefinition(name="")
    with pytest.raises(ValueError, match="max_message_size"):
        rp.Limits(max_message_size=0)
    with pytest.raises(ValueError, match="close_timeout"):
        rp.Timeouts(close_timeout=0)
    assert rp.Timeouts(keepalive_interval=None).keepalive_interval is None


def test_audio_format_facts() -> None:
    assert (rp.AudioFormat.PCM16.sample_rate, rp.AudioFormat.PCM16.bytes_per_sample) == (24000, 2)
    assert rp.AudioFormat.G711_ALAW.sample_rate == 8000
    assert rp.AudioFormat.G711_ULAW.bytes_per_sample == 1


FULL = rp.ConversationOptions(
    system_message="sys",
    voice="verse",
    input_audio_format=rp.AudioFormat.G711_ULAW,
    output_audio_format=rp.AudioFormat.PCM16,
    turn_detection=rp.ServerVad(threshold=0.6, idle_timeout_ms=5000),
    tools=[rp.ToolDefinition(name="f", description="d")],
    tool_choice="auto",
    temperature=0.7,
    max_output_tokens=512,
    transcribe_input=rp.InputTranscription(model="whisper-1", language="en"),
    disable_audio=False,
)


def test_ga_session_shape() -> None:
    assert encode_options(FULL, rp.Dialect.GA) == {
        "type": "realtime",
        "instructions": "sys",
        "output_modalities": ["audio"],
        "tools": [
            {
                "type": "function",
                "name": "f",
                "description": "d",
                "parameters": {"type": "object", "properties": {}},
            }
        ],
        "tool_choice": "auto",
        "max_output_tokens": 512,
        "audio": {
            "input": {
                "format": {"type": "audio/pcmu"},
                "turn_detection": {
                    "type": "server_vad",
                    "threshold": 0.6,
                    "prefix_padding_ms": 300,
                    "silence_duration_ms": 500,
                    "idle_timeout_ms": 5000,
                    "create_response": True,
                    "interrupt_response": True,
                },
                "transcription": {"model": "whisper-1", "language": "en"},
            },
            "output": {"voice": "verse", "format": {"type": "audio/pcm", "rate": 24000}},
        },
    }


def test_beta_session_shape() -> None:
    wire = encode_options(FULL, rp.Dialect.BETA)
    assert wire["input_audio_format"] == "g711_ulaw"
    assert wire["output_audio_format"] == "pcm16"
    assert wire["voice"] == "verse"
    assert wire["temperature"] == 0.7
    assert wire["max_response_output_tokens"] == 512
    assert wire["modalities"] == ["text", "audio"]
    assert wire["input_audio_transcription"] == {"model": "whisper-1", "language": "en"}
    assert "audio" not in wire
    assert "type" not in wire


@pytest.mark.parametrize("dialect", [rp.Dialect.GA, rp.Dialect.BETA])
def test_both_shapes_decode_to_the_same_options(dialect: rp.Dialect) -> None:
    session = rp.Session(id="s", model="m", expires_at=9, options=FULL)
    decoded = decode_session(encode_session(session, dialect))
    assert decoded.id == "s"
    assert decoded.expires_at == 9
    options = decoded.options
    assert options.system_message == FULL.system_message
    assert options.voice == FULL.voice
    assert options.input_audio_format is FULL.input_audio_format
    assert options.output_audio_format is FULL.output_audio_format
    assert options.turn_detection == FULL.turn_detection
    assert options.tools == FULL.tools
    assert options.transcribe_input == FULL.transcribe_input
    assert options.max_output_tokens == 512
    assert options.disable_audio is False
    assert options.temperature == (0.7 if dialect is rp.Dialect.BETA else None)


def test_no_turn_detection_and_azure_spellings() -> None:
    assert encode_options(
        rp.ConversationOptions(turn_detection=rp.NoTurnDetection()), rp.Dialect.GA
    ) == {"type": "realtime", "audio": {"input": {"turn_detection": None}}}
    azure = decode_session(
        {"turn_detection": {"type": "none"}, "input_audio_format": "g711-alaw"}
    ).options
    assert azure.turn_detection == rp.NoTurnDetection()
    assert azure.input_audio_format is rp.AudioFormat.G711_ALAW


def test_odd_session_shapes_decode_leniently() -> None:
    session = decode_session(
        {"id": 5, "audio": "x", "tools": [1, {"name": ""}, {"function": {"name": "g"}}],
         "turn_detection": {"type": "server_vad", "threshold": "high"}, "expires_at": True}
    )  # fmt: skip
    assert session.id is None
    assert session.expires_at is None
    assert session.options.tools == (rp.ToolDefinition(name="g"),)
    assert session.options.turn_detection == rp.ServerVad()
    assert decode_session("nonsense") == rp.Session()


def test_unset_options_are_not_sent() -> None:
    assert encode_options(rp.ConversationOptions(), rp.Dialect.GA) == {"type": "realtime"}
    assert encode_options(rp.ConversationOptions(), rp.Dialect.BETA) == {}
    extra = rp.ConversationOptions(extra={"truncation": "auto"})
    assert encode_options(extra, rp.Dialect.GA) == {"type": "realtime", "truncation": "auto"}
