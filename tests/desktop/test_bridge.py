from agents.events import MessageCompleted, MessageStarted, RoundStarted, TokenDelta
from desktop.bridge import RunBridge


def test_deltas_are_coalesced_until_the_flush(qtbot):
    bridge = RunBridge()
    texts, others = [], []
    bridge.textAppended.connect(lambda mid, text: texts.append((mid, text)))
    bridge.eventReceived.connect(others.append)
    bridge.dispatch(MessageStarted(message_id="a", agent="A", model="m"))
    for piece in ["Hel", "lo", " world"]:
        bridge.dispatch(TokenDelta(message_id="a", text=piece))
    bridge.dispatch(TokenDelta(message_id="b", text="other"))
    assert texts == []  # nothing reaches widgets between flushes
    bridge.flush()
    assert sorted(texts) == [("a", "Hello world"), ("b", "other")]
    bridge.dispatch(RoundStarted(round=2))
    assert isinstance(others[0], RoundStarted)


def test_completion_flushes_its_pending_text_first(qtbot):
    bridge = RunBridge()
    order = []
    bridge.textAppended.connect(lambda mid, text: order.append(("text", text)))
    bridge.messageCompleted.connect(lambda e: order.append(("done", e.text)))
    bridge.dispatch(TokenDelta(message_id="a", text="Hi"))
    bridge.dispatch(MessageCompleted(message_id="a", agent="A", model="m", text="Hi", finish_reason="stop"))
    assert order == [("text", "Hi"), ("done", "Hi")]


def test_tokens_in_flight_are_counted_live_until_their_message_completes(qtbot):
    from agents.events import MessageCompleted, TokenDelta
    from desktop.bridge import RunBridge

    bridge = RunBridge()
    counts = []
    bridge.tokensInFlight.connect(counts.append)
    bridge.dispatch(TokenDelta(message_id="a", text="one"))
    bridge.dispatch(TokenDelta(message_id="a", text=" two three", token_ids=(5, 6)))
    bridge.dispatch(TokenDelta(message_id="b", text="x"))
    bridge.flush()
    bridge.dispatch(MessageCompleted(message_id="a", agent="A", model="m", text="one two three", finish_reason="stop"))
    bridge.flush()
    assert counts == [4, 1]
