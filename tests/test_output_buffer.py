"""The bounded output buffer: writes through until paused, queues, flushes, drops past the cap."""

from __future__ import annotations

from twisted.internet.testing import StringTransport

from mud.protocols.output_buffer import OutputBuffer


def make(cap=100):
    transport = StringTransport()
    buffer = OutputBuffer(transport, transport.write, cap, peer="test")
    return transport, buffer


def test_registers_as_a_streaming_producer_and_writes_through():
    transport, buffer = make()
    assert transport.producer is buffer and transport.streaming
    buffer.write(b"hello")
    assert transport.value() == b"hello"


def test_queues_while_paused_and_flushes_in_order_on_resume():
    transport, buffer = make()
    buffer.pauseProducing()
    buffer.write(b"one ")
    buffer.write(b"two")
    assert transport.value() == b"" and buffer.queued == 7
    buffer.resumeProducing()
    assert transport.value() == b"one two" and buffer.queued == 0


def test_a_reader_that_lets_output_pile_past_the_cap_is_cut_off():
    transport, buffer = make(cap=100)
    buffer.pauseProducing()
    for _ in range(10):
        buffer.write(b"x" * 10)
    assert not transport.disconnecting
    buffer.write(b"y")
    assert transport.disconnecting  # aborted, not waiting on a stalled peer
    assert buffer.closed and buffer.queued == 0
    buffer.write(b"more")
    buffer.resumeProducing()
    assert transport.value() == b""


def test_close_waits_for_the_queue_then_unregisters_and_closes():
    transport, buffer = make()
    buffer.pauseProducing()
    buffer.write(b"last words")
    buffer.close()
    assert not transport.disconnecting and transport.producer is buffer
    buffer.resumeProducing()
    assert transport.value() == b"last words"
    assert transport.producer is None and transport.disconnecting


def test_close_with_nothing_queued_closes_at_once():
    transport, buffer = make()
    buffer.close()
    assert transport.producer is None and transport.disconnecting


def test_the_paused_queue_exists_only_while_output_waits():
    # A deque preallocates ~760 bytes: a connection that never paused must not keep one.
    transport, buffer = make()
    buffer.write(b"through")
    assert buffer._queue is None
    buffer.pauseProducing()
    buffer.write(b"held")
    assert list(buffer._queue) == [b"held"]
    buffer.resumeProducing()
    assert transport.value() == b"throughheld" and buffer._queue is None
    buffer.pauseProducing()
    buffer.write(b"again")
    buffer.stopProducing()
    assert buffer._queue is None and buffer.queued == 0


def test_direct_sink_keeps_the_write_of_anything_but_a_plain_tcp_connection():
    from mud.protocols.output_buffer import direct_sink

    transport = StringTransport()
    assert direct_sink(transport) == transport.write
