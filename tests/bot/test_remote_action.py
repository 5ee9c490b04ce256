"""bot/remote_action.py: the action server's responses are judged exactly as Rasa judges them."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import remote_action

RESPONSES = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "month", "value": 3}], "responses": [{"text": "3月5日"}]},
    {"events": [{"event": "bot", "text": "x", "data": {"buttons": [{"title": "a", "payload": "/b"}]}}]},
    {},
    {"events": "not a list"},
    {"events": [{"name": "month"}]},  # an event without its type
    {"events": [{"event": 5}]},
    {"responses": "text"},
    {"events": [{"event": "slot", "name": "x"}], "responses": [{"text": "ok"}]},
]


def outcome(validate, response):
    try:
        return validate(None, response)
    except ValidationError as error:
        return ("invalid", error.message, tuple(error.path))


@pytest.mark.parametrize("index", range(len(RESPONSES)))
def test_same_verdict_and_message_as_rasa(index):
    from jsonschema import validate as rasa_jsonschema_validate

    def rasa_original(_, response):  # what Rasa 3.6's _validate_action_result does
        try:
            rasa_jsonschema_validate(response, RemoteAction.action_response_format_spec())
            return True
        except ValidationError as error:
            error.message += (
                ". Failed to validate Action server response from API, make sure your response from "
                "the Action endpoint is valid. For more information about the format visit "
                "https://rasa.com/docs/rasa/custom-actions"
            )
            raise

    expected = outcome(rasa_original, RESPONSES[index])
    assert outcome(remote_action._validate_action_result, RESPONSES[index]) == expected


def test_invalid_responses_are_refused():
    assert outcome(remote_action._validate_action_result, {"events": "not a list"})[0] == "invalid"
    assert (
        outcome(remote_action._validate_action_result, {"events": [{"event": "slot", "name": "x", "value": 1}]}) is True
    )


def test_install_replaces_both_methods():
    remote_action.install()
    assert RemoteAction._validate_action_result is remote_action._validate_action_result
    assert RemoteAction.run is remote_action._run_or_apologise


def test_a_request_never_written_is_sent_once_more(monkeypatch):
    """aiohttp reused a keep-alive connection the action server had closed: the request never left."""
    import asyncio

    from rasa.shared.exceptions import RasaException

    calls = []

    async def flaky(self, *args):
        calls.append(1)
        if len(calls) == 1:
            try:
                raise ConnectionResetError("Cannot write to closing transport")
            except ConnectionResetError as cause:
                raise RasaException("Failed to execute custom action 'action_session_start'.") from cause
        return ["ok"]

    monkeypatch.setattr(remote_action, "_original_run", flaky)
    action = RemoteAction("action_session_start", None)
    assert asyncio.run(remote_action._run_or_apologise(action, None, None, None, None)) == ["ok"]
    assert len(calls) == 2


def test_other_failures_are_not_repeated(monkeypatch):
    import asyncio

    from rasa.shared.exceptions import RasaException

    calls = []

    async def down(self, *args):
        calls.append(1)
        raise RasaException("Couldn't connect to the server")

    monkeypatch.setattr(remote_action, "_original_run", down)
    events = asyncio.run(
        remote_action._run_or_apologise(RemoteAction("action_answer_policy", None), None, None, None, None)
    )
    assert len(calls) == 1 and events[0].text == remote_action.UNAVAILABLE_TEXT
