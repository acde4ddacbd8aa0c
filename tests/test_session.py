"""Session: the login screen's timeout and the in-game idle timeout (on a task.Clock)."""

from __future__ import annotations

from twisted.internet.task import Clock

from tests.support import WirePlayer, make_game


def test_silence_at_the_login_screen_closes_the_connection():
    game = make_game()
    player = WirePlayer(game)
    player.read()
    game.world.clock.advance(game.login_timeout - 1)
    assert not player.closed
    game.world.clock.advance(1)
    assert "took too long to log in" in player.read()
    assert player.closed


def test_typing_at_the_login_screen_starts_the_wait_again():
    game = make_game()
    player = WirePlayer(game)
    game.world.clock.advance(game.login_timeout - 10)
    player.type("Newcomer")  # the name prompt's answer; now asked to confirm
    game.world.clock.advance(game.login_timeout - 10)
    assert not player.closed
    game.world.clock.advance(10)
    assert player.closed


def test_no_login_timeout_when_it_is_zero():
    game = make_game()
    game.login_timeout = 0
    player = WirePlayer(game)
    game.world.clock.advance(86400)
    assert not player.closed
    assert not [c for c in game.world.clock.getDelayedCalls()
                if "check_idle" in repr(c.func)]


def test_players_in_the_game_are_not_timed_out_by_default():
    game = make_game()
    player = WirePlayer(game)
    player.create("Ann")
    assert game.idle_timeout == 0
    game.world.clock.advance(game.login_timeout * 100)
    assert not player.closed and "ann" in game.world.online


def test_an_idle_player_is_saved_and_leaves_after_idle_timeout():
    game = make_game()
    game.idle_timeout = 600
    ann, bob = WirePlayer(game), WirePlayer(game)
    ann.create("Ann")
    bob.create("Bob")
    ann.type("n")
    game.world.clock.advance(300)
    bob.type("say still here")  # Bob's input keeps him in; Ann has said nothing since
    game.world.clock.advance(300)
    out = ann.read()
    assert "You have been idle for 10 minutes" in out and "character is saved" in out
    assert ann.closed and "ann" not in game.world.online
    assert game.store.characters["ann"].room == "village:high_street"
    assert not bob.closed and "bob" in game.world.online
    game.world.clock.advance(299)
    assert not bob.closed
    game.world.clock.advance(1)
    assert bob.closed and "idle for 10 minutes" in bob.read()


def test_an_idle_player_is_told_the_truth_when_saving_fails():
    game = make_game()
    game.idle_timeout = 600
    ann = WirePlayer(game)
    ann.create("Ann")
    ann.type("n")
    game.store.fail_saves = 10
    game.world.clock.advance(600)
    out = " ".join(ann.read().split())
    assert "You have been idle for 10 minutes" in out
    assert "could not be saved just now" in out and "character is saved" not in out
    assert ann.closed


def test_a_short_idle_timeout_is_spelled_in_seconds():
    game = make_game()
    game.idle_timeout = 90
    ann = WirePlayer(game)
    ann.create("Ann")
    game.world.clock.advance(90)
    assert "idle for 90 seconds" in ann.read()


def test_timers_are_cancelled_when_the_connection_ends():
    game = make_game()
    game.idle_timeout = 60
    ann = WirePlayer(game)
    ann.create("Ann")
    session = ann.protocol.session
    ann.drop()
    assert session._idle_call is None
    game.world.clock.advance(120)
    assert "ann" in game.world.online  # link-dead, waiting for its player: not idled out


def test_the_line_queue_exists_only_while_lines_wait():
    # A deque preallocates ~760 bytes: an idle connection must not keep one.
    from twisted.internet.defer import Deferred

    game = make_game()
    player = WirePlayer(game)
    session = player.protocol.session
    assert session._queue is None
    player.create("Ann")
    assert 'You say, "hi"' in player.type("say hi")
    assert session._queue is None  # every line taken: given back
    game.leave(session)
    pending = Deferred()
    game.accounts.authenticate = lambda name, password: pending
    later = WirePlayer(game)
    later.read()
    later.send_bytes(b"connect Ann secret1\r\nsay one\r\nsay two\r\n")
    waiting = later.protocol.session
    assert list(waiting._queue) == ["say one", "say two"]  # held while the check runs
    pending.callback("ann")
    out = later.read()
    assert out.index('You say, "one"') < out.index('You say, "two"')
    assert waiting._queue is None


def test_the_request_throttles_exist_only_once_a_client_asks():
    # Two ClientRequests with their dicts are about 550 bytes: made at the first request,
    # and their waiting answers still cancelled when the connection goes.
    clock = Clock()
    game = make_game(clock=clock)
    player = WirePlayer(game)
    session = player.protocol.session
    player.create("Ann")
    assert session._refreshes is None and session._requests is None
    session.refresh()
    session.refresh()          # within the gap: answered once, later
    session.request("comm.channel.list")
    session.request("comm.channel.list")
    assert session._refreshes is not None and session._requests is not None
    waiting = [call for requests in (session._refreshes, session._requests)
               for call, _ in requests._waiting.values()]
    assert len(waiting) == 2 and all(call.active() for call in waiting)
    session.connection_lost()
    assert not any(call.active() for call in waiting)
