"""The blocking transport's channel over real loopback sockets, plain and TLS: reading, writing
with a progress timeout, waking either side with ``shutdown``, and connecting."""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from realtime_blocking import _connect
from realtime_blocking._channel import Channel
from realtime_blocking._connect import open_channel
from realtime_blocking._tls import TlsChannel

import realtime_proto as rp

# Far more than the loopback buffers hold once both ends' buffers are capped below.
BIG = 8 * 1024 * 1024
JOIN = 5.0

Handler = Callable[[socket.socket], object]


def endpoint(port: int, *, secure: bool) -> rp.Endpoint:
    return rp.Endpoint(host="127.0.0.1", port=port, secure=secure, target="/")


def small_listener() -> socket.socket:
    """A listener whose connections have a small receive buffer, so a peer that does not
    read stops a writer quickly."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener


def cap_send_buffer(channel: Channel) -> None:
    channel._sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)


def in_thread(target: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Run ``target`` in a thread; the list gets its result or the exception it raised."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(target())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def reset(peer: socket.socket) -> None:
    """Close ``peer`` with a TCP reset rather than an orderly end."""
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.close()


@pytest.fixture(params=["plain", "tls"])
def connected(
    request: pytest.FixtureRequest, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> Iterator[tuple[Channel, socket.socket]]:
    """A channel from ``open_channel`` and the server's end of it (an ``SSLSocket`` for TLS)."""
    secure = request.param == "tls"
    with small_listener() as listener:

        def accept() -> socket.socket:
            peer, _ = listener.accept()
            return server_tls.wrap_socket(peer, server_side=True) if secure else peer

        thread, accepted = in_thread(accept)
        channel = open_channel(endpoint(listener.getsockname()[1], secure=secure), client_tls, 5)
        thread.join(JOIN)
    cap_send_buffer(channel)
    peer = accepted[0]
    assert isinstance(peer, socket.socket)
    assert isinstance(channel, TlsChannel) is secure
    try:
        yield channel, peer
    finally:
        channel.close()
        peer.close()


def receive_exactly(channel: Channel, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        piece = channel.receive()
        assert piece
        data += piece
    return bytes(data)


def read_all(peer: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        piece = peer.recv(1 << 20)
        assert piece
        data += piece
    return bytes(data)


# -- receiving -------------------------------------------------------------------------------


def test_receive_waits_for_data_then_sees_the_end(
    connected: tuple[Channel, socket.socket],
) -> None:
    channel, peer = connected
    timer = threading.Timer(0.1, peer.sendall, args=(b"hello",))
    timer.start()
    assert receive_exactly(channel, 5) == b"hello"
    timer.join(JOIN)
    peer.shutdown(socket.SHUT_WR)
    assert channel.receive() == b""
    assert channel.receive() == b""  # the end stays the end


def test_a_large_message_arrives_whole(connected: tuple[Channel, socket.socket]) -> None:
    channel, peer = connected
    message = bytes(range(256)) * 4096  # 1 MiB
    thread, _ = in_thread(lambda: peer.sendall(message))
    assert receive_exactly(channel, len(message)) == message
    thread.join(JOIN)


def test_a_reset_connection_ends_the_stream_and_fails_writes(
    connected: tuple[Channel, socket.socket],
) -> None:
    channel, peer = connected
    reset(peer)
    assert channel.receive() == b""
    with pytest.raises(OSError):  # noqa: PT011 - reset or broken pipe, as the system says
        channel.send(b"x" * 65536, 1)


def test_receive_is_woken_by_shutdown(connected: tuple[Channel, socket.socket]) -> None:
    channel, _ = connected
    thread, outcome = in_thread(channel.receive)
    time.sleep(0.1)
    started = time.monotonic()
    channel.shutdown()
    thread.join(0.5)
    assert not thread.is_alive()
    assert time.monotonic() - started < 0.5
    assert outcome == [b""]
    assert channel.receive() == b""


def test_close_while_receive_waits_does_not_crash(
    connected: tuple[Channel, socket.socket],
) -> None:
    channel, _ = connected
    thread, outcome = in_thread(channel.receive)
    time.sleep(0.1)
    channel.close()
    thread.join(JOIN)
    assert outcome == [b""]
    assert channel.receive() == b""


# -- sending ---------------------------------------------------------------------------------


def test_a_large_buffer_reaches_a_reading_peer(connected: tuple[Channel, socket.socket]) -> None:
    channel, peer = connected
    message = bytes(range(256)) * 16384  # 4 MiB: many partial writes
    thread, received = in_thread(lambda: read_all(peer, len(message)))
    channel.send(message, 5)
    thread.join(JOIN)
    assert received == [message]
    assert not channel.has_pending_output


def test_sending_nothing_is_allowed(connected: tuple[Channel, socket.socket]) -> None:
    channel, peer = connected
    channel.send(b"", 1)
    channel.send(b"ping", 1)
    assert read_all(peer, 4) == b"ping"


def test_a_peer_that_never_reads_times_the_write_out(
    connected: tuple[Channel, socket.socket],
) -> None:
    channel, _ = connected
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        channel.send(bytes(BIG), 0.3)
    assert 0.3 <= time.monotonic() - started < 1.5


def test_a_blocked_send_is_woken_by_shutdown(connected: tuple[Channel, socket.socket]) -> None:
    channel, _ = connected
    thread, outcome = in_thread(lambda: channel.send(bytes(BIG), 30))
    time.sleep(0.5)  # long enough to fill the buffers and wait
    assert thread.is_alive()
    started = time.monotonic()
    channel.shutdown()
    thread.join(0.5)
    assert not thread.is_alive()
    assert time.monotonic() - started < 0.5
    [error] = outcome
    assert isinstance(error, OSError)
    assert not isinstance(error, TimeoutError)


def test_send_after_shutdown_raises(connected: tuple[Channel, socket.socket]) -> None:
    channel, _ = connected
    channel.shutdown()
    channel.shutdown()
    with pytest.raises(BrokenPipeError, match="shut down"):
        channel.send(b"late", 1)
    with pytest.raises(BrokenPipeError, match="shut down"):
        channel.send(b"", 1)


def test_close_is_idempotent(connected: tuple[Channel, socket.socket]) -> None:
    channel, _ = connected
    channel.close()
    channel.close()
    channel.shutdown()
    assert channel.receive() == b""
    with pytest.raises(OSError):  # noqa: PT011
        channel.send(b"late", 1)


def test_no_output_of_its_own_after_a_complete_write(
    connected: tuple[Channel, socket.socket],
) -> None:
    channel, peer = connected
    channel.send(b"ping", 1)
    assert not channel.has_pending_output
    channel.on_pending_output()  # the default does nothing
    assert read_all(peer, 4) == b"ping"


# -- TLS -------------------------------------------------------------------------------------


@pytest.fixture
def tls_connected(
    server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> Iterator[tuple[TlsChannel, ssl.SSLSocket, socket.socket]]:
    """A TLS channel, the server's ``SSLSocket`` and a raw duplicate of its TCP socket."""
    with small_listener() as listener:
        raw: list[socket.socket] = []

        def accept() -> ssl.SSLSocket:
            peer, _ = listener.accept()
            raw.append(peer.dup())
            return server_tls.wrap_socket(peer, server_side=True)

        thread, accepted = in_thread(accept)
        channel = open_channel(endpoint(listener.getsockname()[1], secure=True), client_tls, 5)
        thread.join(JOIN)
    cap_send_buffer(channel)
    [peer] = accepted
    assert isinstance(peer, ssl.SSLSocket)
    assert isinstance(channel, TlsChannel)
    try:
        yield channel, peer, raw[0]
    finally:
        channel.close()
        peer.close()
        raw[0].close()


def test_tls_round_trip_then_close_notify(
    tls_connected: tuple[TlsChannel, ssl.SSLSocket, socket.socket],
) -> None:
    channel, peer, _ = tls_connected
    channel.send(b"ping", 1)
    assert read_all(peer, 4) == b"ping"
    peer.sendall(b"pong")
    assert receive_exactly(channel, 4) == b"pong"

    def unwrap() -> None:
        with contextlib.suppress(OSError, ValueError):  # the client closes without answering
            peer.unwrap()

    thread, _ = in_thread(unwrap)
    assert channel.receive() == b""
    assert channel.receive() == b""
    channel.shutdown()
    thread.join(JOIN)


def test_a_broken_record_ends_the_stream_and_leaves_an_alert_to_send(
    tls_connected: tuple[TlsChannel, ssl.SSLSocket, socket.socket],
) -> None:
    channel, _, raw = tls_connected
    woken: list[bool] = []
    channel.on_pending_output = lambda: woken.append(channel.has_pending_output)
    raw.sendall(b"\x17\x03\x03\x00\x05junk!")  # application data that does not decrypt
    assert channel.receive() == b""
    assert woken == [True]
    channel.send(b"", 1)  # the alert
    assert not channel.has_pending_output
    raw.settimeout(JOIN)
    assert raw.recv(1024)[:1] in (b"\x15", b"\x17")  # an alert (TLS 1.3 wraps it)


def test_records_a_timed_out_write_left_stay_pending(
    tls_connected: tuple[TlsChannel, ssl.SSLSocket, socket.socket],
) -> None:
    channel, _, _ = tls_connected
    with pytest.raises(TimeoutError):
        channel.send(bytes(BIG), 0.3)
    assert channel.has_pending_output
    with pytest.raises(TimeoutError):
        channel.send(b"", 0.1)  # the peer still does not read
    channel.shutdown()
    with pytest.raises(BrokenPipeError):
        channel.send(b"", 1)


# -- connecting ------------------------------------------------------------------------------


def unused_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("secure", [False, True])
def test_a_refused_connection_is_a_connect_error(secure: bool) -> None:
    with pytest.raises(rp.ConnectError, match="cannot connect") as caught:
        open_channel(endpoint(unused_port(), secure=secure), None, 5)
    assert not isinstance(caught.value, rp.ConnectTimeout | rp.TLSError)


def test_a_connect_that_takes_too_long_is_a_connect_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def slow(address: object, timeout: float) -> socket.socket:
        raise TimeoutError

    monkeypatch.setattr(_connect.socket, "create_connection", slow)
    with pytest.raises(rp.ConnectTimeout, match=r"took longer than 0\.3 s"):
        open_channel(endpoint(443, secure=False), None, 0.3)


@pytest.fixture
def one_connection() -> Iterator[Callable[[Handler], int]]:
    """Start a listener whose first connection goes to a handler in a thread; its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    threads: list[threading.Thread] = []

    def start(handle: Handler) -> int:
        def run() -> None:
            peer, _ = listener.accept()
            with peer:
                handle(peer)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        threads.append(thread)
        port: int = listener.getsockname()[1]
        return port

    try:
        yield start
    finally:
        listener.close()
        for thread in threads:
            thread.join(JOIN)
            assert not thread.is_alive()


def test_an_untrusted_certificate_is_a_tls_error(
    one_connection: Callable[[Handler], int],
    server_tls: ssl.SSLContext,
) -> None:
    def handshake(peer: socket.socket) -> None:
        with contextlib.suppress(OSError, ValueError):  # the client rejects the certificate
            server_tls.wrap_socket(peer, server_side=True).close()

    port = one_connection(handshake)
    with pytest.raises(rp.TLSError, match="certificate verify failed"):
        open_channel(endpoint(port, secure=True), None, 5)  # the default trust store


def test_a_tls_handshake_that_never_comes_is_a_connect_timeout(
    one_connection: Callable[[Handler], int],
    client_tls: ssl.SSLContext,
) -> None:
    done = threading.Event()
    port = one_connection(lambda peer: done.wait(JOIN))  # accepts, never speaks TLS
    started = time.monotonic()
    with pytest.raises(rp.ConnectTimeout, match="TLS handshake"):
        open_channel(endpoint(port, secure=True), client_tls, 0.3)
    done.set()
    assert time.monotonic() - started < 1.5


def test_a_peer_that_hangs_up_during_the_tls_handshake(
    one_connection: Callable[[Handler], int],
    client_tls: ssl.SSLContext,
) -> None:
    port = one_connection(lambda peer: peer.recv(65536))  # then an orderly close
    with pytest.raises(rp.TLSError):
        open_channel(endpoint(port, secure=True), client_tls, 5)


def test_a_peer_that_resets_during_the_tls_handshake(
    one_connection: Callable[[Handler], int],
    client_tls: ssl.SSLContext,
) -> None:
    def hang_up(peer: socket.socket) -> None:
        peer.recv(1024)
        reset(peer)

    port = one_connection(hang_up)
    with pytest.raises(rp.ConnectError, match="cannot connect") as caught:
        open_channel(endpoint(port, secure=True), client_tls, 5)
    assert not isinstance(caught.value, rp.TLSError)
