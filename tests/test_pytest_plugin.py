"""The pytest plugin in a fresh project: test files in a temporary directory, using only the
documented fixtures, run by pytest with the package installed (the plugin comes from its
entry point, as in any project)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLE = next(
    block
    for block in re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    if "def voice_bot" in block
)
# Each run is a new pytest process (in-process runs would unload the modules they import).
ISOLATED = ("-p", "no:cacheprovider", "-p", "no:randomly", "-W", "error")


def test_the_readme_s_voice_bot_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_voice_bot=EXAMPLE)
    result = pytester.runpytest_subprocess(*ISOLATED)
    result.assert_outcomes(passed=3)


def test_a_client_that_leaves_the_script_fails_the_test_naming_the_step(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_voice_bot=EXAMPLE
        + """

CREATED = rp.Session(id="s")


def test_a_bot_that_says_something_else(realtime_script) -> None:
    server = realtime_script(
        Script([send(rp.SessionCreated(session=CREATED)), expect(rp.SendText(text="Hi"))])
    )
    with pytest.raises(rp.RealtimeError):
        voice_bot(server.url, SPEECH)


def test_a_bot_that_never_connects(realtime_script) -> None:
    realtime_script(Script([send(rp.SessionCreated(session=CREATED))]))


def test_finish_reports_in_the_test(realtime_script) -> None:
    server = realtime_script(Script([expect(rp.SendText(text="Hi"))]))
    with pytest.raises(AssertionError, match="no client connected"):
        server.finish()
    server.finish()  # once only: the fixture's own finish finds nothing more to say
"""
    )
    result = pytester.runpytest_subprocess(*ISOLATED, "-k", "not test_the_bot")  # the bot only
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_a_bot_that_says_something_else*",
            "the client did not follow the script:",
            "at step 2 of 2, expect(SendText): the client sent session.update, "
            "the script has conversation.item.create",
            "*ERROR at teardown of test_a_bot_that_never_connects*",
            "no client connected to the scripted server",
        ]
    )


def test_the_simulator_is_configured_by_marker_or_indirect_parameter(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest
        from realtime_blocking import ConversationClient
        from realtime_proto import Dialect
        from realtime_proto.simulator import Reply


        def reply(url, dialect="ga"):
            client = ConversationClient(url, dialect=Dialect(dialect))
            with client.start_conversation() as conversation:
                conversation.send_text("Hello")
                conversation.generate()
                for message in conversation.receive_messages():
                    if type(message).__name__ == "TurnFinished":
                        return conversation.last_turn_full_response_text


        @pytest.mark.realtime_simulator(policy=lambda context: Reply(text="class"))
        class TestMarkers:
            def test_on_the_class(self, realtime_url):
                assert reply(realtime_url) == "class"

            @pytest.mark.realtime_simulator(policy=lambda context: Reply(text="function"))
            def test_the_closest_wins(self, realtime_url):
                assert reply(realtime_url) == "function"


        @pytest.mark.parametrize(
            "realtime_simulator", [{"dialect": "beta"}, {"dialect": "preview"}], indirect=True
        )
        def test_indirect(realtime_simulator, realtime_url):
            dialect = realtime_url.rsplit("=", 1)[1]
            assert reply(realtime_url, dialect) == "You said: Hello"


        def test_the_default_is_ga_and_echoes(realtime_simulator, realtime_url):
            assert realtime_url == realtime_simulator.url
            assert reply(realtime_url) == "You said: Hello"


        @pytest.mark.realtime_simulator(colour="red")
        def test_an_unknown_keyword(realtime_url):
            pass


        @pytest.mark.realtime_simulator("ga")
        def test_a_positional_argument(realtime_url):
            pass
        """
    )
    result = pytester.runpytest_subprocess(*ISOLATED, "--strict-markers")
    result.assert_outcomes(passed=5, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*realtime_simulator does not take colour (it takes dialect, pace_audio, policy, "
            "session_duration)*",
            "*@pytest.mark.realtime_simulator takes keywords only*",
        ]
    )


def test_the_plugin_can_be_turned_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it(realtime_url):\n    pass\n")
    result = pytester.runpytest_subprocess(*ISOLATED, "-p", "no:realtime_proto")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'realtime_url' not found*"])
