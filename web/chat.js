/* 政策通 web chat: a small page on socket.io-client talking to Rasa's socket.io channel.
 * All text goes through textContent (never innerHTML). The session id and the rendered
 * history live in localStorage, so a reload continues the same conversation. */
(function () {
  "use strict";

  var SESSION_KEY = "policyChat.sessionId";
  var HISTORY_PREFIX = "policyChat.history.";
  var MAX_HISTORY = 300;
  var CONNECT_GRACE_MS = 4000;

  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var sendButton = document.getElementById("chat-send");
  var banner = document.getElementById("chat-banner");
  var typing = document.getElementById("chat-typing");
  var newButton = document.getElementById("chat-new");

  function storageGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: no persistence */ }
  }
  function storageRemove(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }

  var sessionId = storageGet(SESSION_KEY);
  var history = [];
  var ready = false; // connected and session confirmed
  var typingTimer = null;

  function loadHistory(id) {
    if (!id) return [];
    try {
      var parsed = JSON.parse(storageGet(HISTORY_PREFIX + id) || "[]");
      return Array.isArray(parsed) ? parsed : [];
    } catch (e) { return []; }
  }
  function saveHistory() {
    if (!sessionId) return;
    if (history.length > MAX_HISTORY) history = history.slice(history.length - MAX_HISTORY);
    storageSet(HISTORY_PREFIX + sessionId, JSON.stringify(history));
  }

  function scrollToEnd() { log.scrollTop = log.scrollHeight; }

  function renderMessage(entry) {
    var wrapper = document.createElement("div");
    wrapper.className = "msg " + (entry.role === "user" ? "msg-user" : "msg-bot");
    if (entry.text) {
      var bubble = document.createElement("div");
      bubble.className = "msg-text";
      bubble.textContent = entry.text; // CSS white-space: pre-wrap keeps the line breaks
      wrapper.appendChild(bubble);
    }
    if (entry.buttons && entry.buttons.length) {
      var row = document.createElement("div");
      row.className = "msg-buttons";
      entry.buttons.forEach(function (button) {
        var chip = document.createElement("button");
        chip.type = "button";
        chip.className = "chip";
        chip.textContent = button.title;
        chip.addEventListener("click", function () {
          send(button.payload, button.title);
        });
        row.appendChild(chip);
      });
      wrapper.appendChild(row);
    }
    log.appendChild(wrapper);
    scrollToEnd();
  }

  function renderAll() {
    while (log.firstChild) log.removeChild(log.firstChild);
    if (!history.length) {
      // A local hint only: it is not part of the conversation and not stored.
      var hint = document.createElement("div");
      hint.className = "chat-hint";
      hint.textContent = "您好，我是政策通，可以回答医保、社保方面的问题，例如“医保存折是什么”" +
        "“我在职，1月份的钱什么时候到”。需要人工服务请说“转人工”。";
      log.appendChild(hint);
    }
    history.forEach(renderMessage);
  }

  function addMessage(entry) {
    if (!history.length) clearHint();
    history.push(entry);
    saveHistory();
    renderMessage(entry);
  }

  function clearHint() {
    var hint = log.querySelector(".chat-hint");
    if (hint) log.removeChild(hint);
  }

  function setReady(value) {
    ready = value;
    sendButton.disabled = !value;
  }
  var everConnected = false;
  function showBanner(show) {
    banner.textContent = everConnected ? "连接已断开，正在重新连接…" : "暂时无法连接服务器，正在重试…";
    banner.hidden = !show;
    document.body.classList.toggle("offline", show);
  }
  function showTyping(show) {
    typing.hidden = !show;
    if (typingTimer) { clearTimeout(typingTimer); typingTimer = null; }
    if (show) typingTimer = setTimeout(function () { typing.hidden = true; }, 20000);
  }

  function asString(value) {
    return typeof value === "string" ? value : (value == null ? "" : String(value));
  }

  // Rasa's socket.io output: {text}, {text, quick_replies:[{title,payload}]},
  // {attachment: ...}, or custom JSON (which may carry text/buttons).
  function toEntry(data) {
    if (typeof data === "string") return { role: "bot", text: data, buttons: [] };
    if (!data || typeof data !== "object") return null;
    var text = asString(data.text);
    var rawButtons = data.quick_replies || data.buttons || [];
    var buttons = [];
    if (Array.isArray(rawButtons)) {
      rawButtons.forEach(function (b) {
        if (b && (b.title || b.payload)) {
          buttons.push({ title: asString(b.title || b.payload), payload: asString(b.payload || b.title) });
        }
      });
    }
    if (!text && data.attachment) {
      var payload = data.attachment.payload || {};
      text = asString(payload.src || payload.url || "[附件]");
    }
    if (!text && !buttons.length) return null;
    return { role: "bot", text: text, buttons: buttons };
  }

  // --- socket.io -------------------------------------------------------------
  var socket = io(window.location.origin, { path: "/socket.io", transports: ["polling"] });

  var graceTimer = setTimeout(function () { if (!socket.connected) showBanner(true); }, CONNECT_GRACE_MS);

  socket.on("connect", function () {
    clearTimeout(graceTimer);
    everConnected = true;
    showBanner(false);
    socket.emit("session_request", { session_id: sessionId || null });
  });

  socket.on("session_confirm", function (confirmed) {
    var id = asString(confirmed && typeof confirmed === "object" ? confirmed.session_id : confirmed);
    if (!id) return;
    if (id !== sessionId) {
      sessionId = id;
      storageSet(SESSION_KEY, id);
      history = loadHistory(id);
      renderAll();
    }
    setReady(true);
  });

  socket.on("bot_uttered", function (data) {
    // An agent's reply carries its id: confirm it (the server sends it again until confirmed, e.g. after
    // the page was closed) and show it once.
    var replyId = data && typeof data.reply_id === "number" ? data.reply_id : null;
    if (replyId !== null) {
      socket.emit("agent_reply_received", { reply_id: replyId, session_id: sessionId });
      if (history.some(function (item) { return item.replyId === replyId; })) return;
    }
    var entry = toEntry(data);
    if (!entry) return;
    if (replyId !== null) entry.replyId = replyId;
    showTyping(false);
    addMessage(entry);
  });

  socket.on("disconnect", function () {
    setReady(false);
    showTyping(false);
    showBanner(true);
  });
  socket.on("connect_error", function () {
    setReady(false);
    showBanner(true);
  });

  // --- sending -----------------------------------------------------------------
  function send(message, shownText) {
    message = asString(message).trim();
    if (!message || !ready || !sessionId) return false;
    addMessage({ role: "user", text: shownText || message, buttons: [] });
    socket.emit("user_uttered", { message: message, session_id: sessionId, customData: { client: "webchat" } });
    showTyping(true);
    return true;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (send(input.value)) input.value = "";
    input.focus();
  });

  newButton.addEventListener("click", function () {
    if (sessionId) storageRemove(HISTORY_PREFIX + sessionId);
    storageRemove(SESSION_KEY);
    sessionId = null;
    history = [];
    renderAll();
    setReady(false);
    // reconnect so the old socket leaves the old session's room
    socket.disconnect();
    socket.connect();
  });

  // Re-render the saved conversation right away (before the socket connects).
  history = loadHistory(sessionId);
  renderAll();
})();
