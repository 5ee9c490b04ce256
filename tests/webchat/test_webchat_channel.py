"""The web chat channel without the model: page and static files, no external URLs, the two socket.io
fixes (awaited room join, no transport upgrades) and message checks, at unit level and over the wire."""

import asyncio
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from rasa.core.channels.socketio import SocketIOInput

from bot.channels import socketio as webchat
from bot.channels.socketio import STATIC_FILES, WebChatInput
from bot.testing import free_port
from policy_core.config import PROJECT_ROOT
from tests.socketio_client import ChatSocket

WEB = PROJECT_ROOT / "web"
SETTINGS = {
    "user_message_evt": "user_uttered",
    "bot_message_evt": "bot_uttered",
    "session_persistence": True,
    "metadata_key": "customData",
}
HEX32 = re.compile(r"[0-9a-f]{32}")


# --- the page and its files, over HTTP ---------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    work = tmp_path_factory.mktemp("webchat-channel")
    log = work / "server.log"
    # The channel keeps agents' replies in the hand-off database: a test one, not the project's var/.
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "POLICY_DATA_DIR": str(work / "var"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.webchat.channel_server", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/webhooks/socketio/", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"channel server did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
    yield url
    process.terminate()
    process.wait(timeout=20)


def fetch(url: str):
    request = urllib.request.Request(url)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_page_is_served(server):
    status, headers, body = fetch(f"{server}/webchat/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    page = body.decode("utf-8")
    assert '<html lang="zh-CN">' in page and "政策通" in page and 'name="viewport"' in page
    for name in ("chat.css", "socket.io.min.js", "chat.js"):
        assert f'"/webchat/static/{name}"' in page


def test_page_without_slash_redirects(server):
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as error:
        opener.open(f"{server}/webchat", timeout=30)
    assert error.value.code == 302 and error.value.headers["Location"] == "/webchat/"


@pytest.mark.parametrize(
    "name,content_type,marker",
    [
        ("chat.js", "application/javascript; charset=utf-8", b"session_request"),
        ("chat.css", "text/css; charset=utf-8", b"font-family"),
        ("socket.io.min.js", "application/javascript; charset=utf-8", b"Socket.IO v4."),
    ],
)
def test_static_files(server, name, content_type, marker):
    status, headers, body = fetch(f"{server}/webchat/static/{name}")
    assert status == 200
    assert headers["content-type"] == content_type
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert marker in body


def test_socket_io_client_comes_from_the_npm_install():
    path, _ = STATIC_FILES["socket.io.min.js"]
    assert path == WEB / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
    lock = json.loads((WEB / "package-lock.json").read_text(encoding="utf-8"))
    installed = json.loads((WEB / "node_modules" / "socket.io-client" / "package.json").read_text())
    assert lock["packages"]["node_modules/socket.io-client"]["version"] == installed["version"]
    assert installed["version"].startswith("4.")


@pytest.mark.parametrize(
    "name",
    [
        "x.js",
        "index.html",
        "package.json",
        "package-lock.json",
        "socket.io.js",
        "chat.js.map",
        "..%2Fpackage.json",
        "..%2F..%2Fcredentials.yml",
        "%2Fetc%2Fpasswd",
        "node_modules%2Fws%2Fpackage.json",
    ],
)
def test_unknown_static_names_are_404(server, name):
    status, _, body = fetch(f"{server}/webchat/static/{name}")
    assert status == 404
    assert b"policy" not in body.lower() and b"root:" not in body


def test_no_external_urls_in_the_page_files():
    files = sorted([*WEB.glob("*.html"), *WEB.glob("*.js"), *WEB.glob("*.css")])
    assert {f.name for f in files} >= {"index.html", "chat.js", "chat.css"}
    external = re.compile(r"https?:|//[a-z0-9-]+\.[a-z]|@import|@font-face|url\(|\bcdn\b", re.I)
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not external.search(line), f"{path.name}:{number}: {line.strip()}"


def test_system_font_stack_and_phone_layout():
    css = (WEB / "chat.css").read_text(encoding="utf-8")
    fonts = re.search(r"font-family:\s*([^;]+);", css).group(1)
    for font in ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "sans-serif"):
        assert font in fonts
    assert "@media (max-width" in css
    assert 'content="width=device-width, initial-scale=1"' in (WEB / "index.html").read_text(encoding="utf-8")


def test_engine_io_offers_no_upgrade_and_refuses_websocket(server):
    status, _, body = fetch(f"{server}/socket.io/?EIO=4&transport=polling")
    assert status == 200
    handshake = json.loads(body.decode("utf-8")[1:])  # "0{...}": Engine.IO open packet
    assert handshake["upgrades"] == []
    status, _, _ = fetch(f"{server}/socket.io/?EIO=4&transport=websocket")
    assert status == 400


# --- the socket.io protocol over the wire (python-socketio client, long-polling) --------------------


@pytest.fixture
def client(server):
    clients = []

    def connect():
        clients.append(ChatSocket(server))
        return clients[-1]

    yield connect
    for c in clients:
        c.close()


def test_session_ids_are_issued_and_kept(client):
    first = client()
    issued = first.session(None)
    assert HEX32.fullmatch(issued)
    assert client().session(issued) == issued  # a reload keeps its session
    for foreign in ("2005", "../x", "A" * 32, 12345, "x" * 500):  # not our format: a new session
        other = client().session(foreign)
        assert HEX32.fullmatch(other) and other != issued


def test_replies_reach_every_socket_of_the_session_and_no_other(client):
    tab1, tab2, stranger = client(), client(), client()
    session = tab1.session()
    tab2.session(session)
    stranger.session()
    tab1.sio.emit("user_uttered", {"message": "你好", "session_id": session, "customData": {"client": "t"}})
    for tab in (tab1, tab2):
        texts = [m["text"] for m in tab.wait("bot_uttered", 2)]
        assert texts == ["收到：你好", "元数据：[('client', 't')]"]
    time.sleep(1)
    assert stranger.of("bot_uttered") == []


def test_buttons_arrive_as_quick_replies(client):
    tab = client()
    session = tab.session()
    tab.sio.emit("user_uttered", {"message": "按钮", "session_id": session})
    first = tab.wait("bot_uttered")[0]
    assert first["text"] == "收到：按钮"
    assert first["quick_replies"] == [{"content_type": "text", "title": "退休人员", "payload": "/inform"}]


def test_pushed_message_reaches_the_session(server, client):
    tab = client()
    session = tab.session()
    request = urllib.request.Request(
        f"{server}/test/push/{session}",
        method="POST",
        data=json.dumps({"text": "工作人员回复"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert urllib.request.urlopen(request, timeout=30).status == 200
    pushed = tab.wait("bot_uttered")[0]
    assert pushed["text"] == "工作人员回复" and pushed["sender"] == "bot" and isinstance(pushed["time"], float)


def test_messages_outside_the_confirmed_session_are_ignored(client):
    victim, attacker = client(), client()
    victim_session = victim.session()
    attacker.sio.emit("user_uttered", {"message": "未确认会话", "session_id": victim_session})
    attacker_session = attacker.session()
    attacker.sio.emit("user_uttered", {"message": "别人的会话", "session_id": victim_session})
    attacker.sio.emit("user_uttered", {"message": 42, "session_id": attacker_session})
    attacker.sio.emit("user_uttered", "not a dict")
    attacker.sio.emit("user_uttered", {"message": "自己的会话", "session_id": attacker_session})
    texts = [m["text"] for m in attacker.wait("bot_uttered", 2)]
    assert texts[0] == "收到：自己的会话"
    time.sleep(1)
    assert victim.of("bot_uttered") == []
    assert len(attacker.of("bot_uttered")) == 2


def test_project_credentials_enable_the_web_chat_next_to_the_other_channels():
    from rasa.core import run

    channels = run.create_http_input_channels(None, str(PROJECT_ROOT / "credentials.yml"))
    by_name = {c.name(): c for c in channels}
    assert {"rest", "socketio"} <= set(by_name)
    chat = by_name["socketio"]
    assert type(chat) is WebChatInput
    assert (chat.user_message_evt, chat.bot_message_evt, chat.session_persistence, chat.metadata_key) == (
        "user_uttered",
        "bot_uttered",
        True,
        "customData",
    )
    app = run.configure_app(channels, enable_api=True, auth_token="t", port=free_port())
    type(app)._app_registry.pop(app.name, None)  # Sanic app names are unique per process
    paths = {route.path for route in app.router.routes}
    assert {"webchat/", "webchat", "webchat/static/<name:str>", "socket.io", "webhooks/socketio"} <= paths


# --- the two fixes at unit level ---------------------------------------------------------------------


class FakeServerState:
    """Stands in for python-socketio's room and session bookkeeping."""

    def __init__(self, sio, awaitable_enter_room: bool):
        self.rooms: list[tuple] = []
        self.sessions: dict = {}
        self.emitted: list[tuple] = []

        def record(sid, room, namespace=None):
            self.rooms.append((sid, room))

        async def record_async(sid, room, namespace=None):  # python-socketio >= 5.10
            record(sid, room, namespace)

        sio.enter_room = record_async if awaitable_enter_room else record

        async def emit(event, data=None, room=None, namespace=None, **_):
            self.emitted.append((event, data, room))

        async def save_session(sid, session, namespace=None):
            self.sessions[sid] = session

        async def get_session(sid, namespace=None):
            return self.sessions.setdefault(sid, {})

        sio.emit, sio.save_session, sio.get_session = emit, save_session, get_session


def _handlers(channel, on_new_message=None):
    async def ignore(_):
        pass

    channel.blueprint(on_new_message or ignore)
    return channel.sio, channel.sio.handlers["/"]


def recording_channel():
    """A web chat channel on a fake socket.io server whose assistant records every message it receives."""
    received = []

    async def on_new_message(message):
        received.append(message)

    sio, handlers = _handlers(WebChatInput.from_credentials(SETTINGS), on_new_message)
    return received, FakeServerState(sio, awaitable_enter_room=False), handlers


@pytest.mark.parametrize("awaitable", [True, False], ids=["socketio>=5.10", "socketio-5.9"])
def test_enter_room_is_awaited(awaitable):
    sio, handlers = _handlers(WebChatInput.from_credentials(SETTINGS))
    state = FakeServerState(sio, awaitable_enter_room=awaitable)
    session = "0123456789abcdef0123456789abcdef"
    asyncio.run(handlers["session_request"]("sid-1", {"session_id": session}))
    assert state.rooms == [("sid-1", session)]
    assert state.emitted == [("session_confirm", session, "sid-1")]
    assert state.sessions["sid-1"] == {"session_id": session}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # "coroutine ... was never awaited": the bug itself
def test_rasas_own_handler_loses_the_room_join():
    """Documents the breakage the fix is for: Rasa's handler drops the coroutine, the socket joins no room."""
    channel = SocketIOInput.from_credentials(SETTINGS)
    channel.blueprint(lambda _: None)
    state = FakeServerState(channel.sio, awaitable_enter_room=True)
    asyncio.run(channel.sio.handlers["/"]["session_request"]("sid-1", {"session_id": "abc"}))
    assert state.rooms == []
    assert state.emitted == [("session_confirm", "abc", "sid-1")]


def test_no_transport_upgrades():
    sio, _ = _handlers(WebChatInput.from_credentials(SETTINGS))
    assert sio.eio.allow_upgrades is False
    assert sio.eio.transports == ["polling"]
    assert WebChatInput.name() == "socketio"  # output_channel=latest finds the channel by this name


def test_user_message_goes_to_the_assistant_with_its_session(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "0")
    received, _, handlers = recording_channel()
    session = "fedcba9876543210fedcba9876543210"

    async def conversation():
        await handlers["user_uttered"]("sid-1", {"message": "在吗", "session_id": session})  # no session yet
        await handlers["session_request"]("sid-1", {"session_id": session})
        await handlers["user_uttered"](
            "sid-1", {"message": "x" * 9000, "session_id": session, "customData": '{"client": "webchat"}'}
        )
        await handlers["user_uttered"]("sid-1", {"message": "在吗", "customData": ["bad"]})
        await handlers["user_uttered"]("sid-1", {"message": "别人的", "session_id": "0" * 32})
        await handlers["user_uttered"]("sid-1", {"message": "   ", "session_id": session})

    asyncio.run(conversation())

    # The server adds its own tag of the client's address (bot/client.py); the client's metadata is kept.
    tags = {m.metadata.pop("client_tag") for m in received}
    assert len(tags) == 1 and tags.pop().startswith("c-")
    assert [(m.text[:2], len(m.text), m.sender_id, m.input_channel, m.metadata) for m in received] == [
        ("xx", webchat.MAX_MESSAGE_CHARS, session, "socketio", {"client": "webchat"}),
        ("在吗", 2, session, "socketio", {}),
    ]


def test_rate_limit_applies_as_on_rest(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "1")
    monkeypatch.setenv("RATE_LIMIT_BURST", "2")
    received, state, handlers = recording_channel()
    session = "11111111111111111111111111111111"

    async def conversation():
        await handlers["session_request"]("sid-1", {"session_id": session})
        for text in ("一", "二", "三"):
            await handlers["user_uttered"]("sid-1", {"message": text, "session_id": session})

    asyncio.run(conversation())
    assert [m.text for m in received] == ["一", "二"]
    assert "太快" in state.emitted[-1][1]["text"] and state.emitted[-1][2] == session
