/* 政策通 web chat: a small page on socket.io-client talking to Rasa's socket.io channel.
 * All text goes through textContent (never innerHTML); links are built with createElement.
 * The page's labels come from the server (the JSON block #chat-texts, policy_core/wording.py).
 * The session id and the rendered history live in localStorage, so a reload continues the same
 * conversation; the stored history is masked (as policy_core/privacy.py masks) and expires. */
(function () {
  "use strict";

  var SESSION_KEY = "policyChat.sessionId";
  var HISTORY_PREFIX = "policyChat.history.";
  var KEY_PREFIX = "policyChat.";
  var MAX_HISTORY = 300;
  var CONNECT_GRACE_MS = 4000;
  var TYPING_MAX_MS = 8000;
  var QUEUE_POLL_MS = 10000;
  var QUEUE_RETRY_MS = 2500;
  var CLEAR_CONFIRM_MS = 4000;
  var DAY_MS = 24 * 60 * 60 * 1000;
  var DEFAULT_HISTORY_DAYS = 7;

  var chat = document.getElementById("chat");
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var sendButton = document.getElementById("chat-send");
  var banner = document.getElementById("chat-banner");
  var typing = document.getElementById("chat-typing");
  var queueLine = document.getElementById("chat-queue");
  var clearButton = document.getElementById("chat-clear");
  var privacy = document.getElementById("chat-privacy");
  var counter = document.getElementById("chat-count");
  var limitNote = document.getElementById("chat-limit");

  // --- page texts and settings rendered by the server --------------------------------------------------
  function readTexts() {
    var block = document.getElementById("chat-texts");
    try {
      var parsed = JSON.parse(block ? block.textContent : "");
      return parsed && typeof parsed === "object" ? parsed : {};
    } catch (e) { return {}; } // a page without the block: no labels, but a working chat
  }
  var texts = readTexts();

  function text(key, values) {
    var value = typeof texts[key] === "string" ? texts[key] : "";
    Object.keys(values || {}).forEach(function (name) { value = value.split("{" + name + "}").join(values[name]); });
    return value;
  }
  function positiveInt(value, fallback) {
    var number = parseInt(value, 10);
    return number > 0 ? number : fallback;
  }

  var historyDays = positiveInt(chat.getAttribute("data-history-days"), DEFAULT_HISTORY_DAYS);
  var maxChars = positiveInt(input.getAttribute("data-max-chars"), 0); // 0: the server renders none

  // Shows `value` in `element`, or hides the element when the server sent no such text.
  function label(element, value) {
    element.textContent = value;
    element.hidden = !value;
  }
  if (text("title")) document.title = text("title");
  label(document.getElementById("chat-title"), text("title") || document.title);
  label(privacy, text("privacy_notice", { days: historyDays }));
  label(clearButton, text("clear_history"));
  sendButton.textContent = text("send") || "➤";
  input.placeholder = text("placeholder");
  if (text("placeholder")) input.setAttribute("aria-label", text("placeholder"));
  log.setAttribute("aria-label", text("title"));
  typing.textContent = text("typing") || "…";

  // --- personal data: the same rules as policy_core/privacy.py ------------------------------------------
  // Python's \d is any Unicode digit (full-width ones too): \p{Nd}. Prefix groups stand in for Python's
  // look-behinds, which older mobile browsers cannot parse.
  var ID_NUMBER = /(^|[^0-9A-Za-z])(\p{Nd}{6})\p{Nd}{8}(\p{Nd}{3}[\p{Nd}Xx])(?![0-9A-Za-z])/gu;
  var MOBILE = /(^|\P{Nd})(?:\+?86[ -]?)?(1[3-9]\p{Nd})[ -]?\p{Nd}{4}[ -]?(\p{Nd}{4})(?!\p{Nd})/gu;
  var BANK_CARD = /(^|\P{Nd})(\p{Nd}(?:[ -]?\p{Nd}){11,18})(?!\p{Nd})/gu;
  var EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/gu;
  var NOT_DIGIT = /\P{Nd}/gu;

  function maskPersonalData(value) {
    if (!value) return value;
    return value
      .replace(ID_NUMBER, function (_, before, head, tail) { return before + head + "********" + tail.slice(-4); })
      .replace(MOBILE, function (_, before, head, tail) { return before + head + "****" + tail; })
      .replace(BANK_CARD, function (_, before, digits) {
        return before + "****" + digits.replace(NOT_DIGIT, "").slice(-4);
      })
      .replace(EMAIL, function (_, first, domain) { return first + "***" + domain; });
  }

  // --- localStorage --------------------------------------------------------------------------------------
  function storageGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: no persistence */ }
  }
  function storageRemove(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }
  function storageKeys() {
    var keys = [];
    try {
      for (var i = 0; i < window.localStorage.length; i++) keys.push(window.localStorage.key(i));
    } catch (e) { /* no storage */ }
    return keys;
  }

  function fresh(entry) {
    return entry && typeof entry === "object" && typeof entry.time === "number" &&
      entry.time >= Date.now() - historyDays * DAY_MS;
  }
  function stored(entry) {
    var copy = {};
    Object.keys(entry).forEach(function (key) { if (key !== "element") copy[key] = entry[key]; });
    copy.text = maskPersonalData(entry.text || "");
    if (entry.details) copy.details = maskPersonalData(entry.details);
    return copy;
  }

  var sessionId = storageGet(SESSION_KEY);
  var history = [];

  // The stored history of `id` without expired entries (entries without a time are from before expiry
  // existed, and unmasked: dropped too). Saved back at once, so what is kept is always masked and fresh.
  function loadHistory(id) {
    if (!id) return [];
    var parsed;
    try { parsed = JSON.parse(storageGet(HISTORY_PREFIX + id) || "[]"); } catch (e) { parsed = []; }
    if (!Array.isArray(parsed)) parsed = [];
    history = parsed.filter(fresh).map(stored); // shown as kept: masked
    saveHistory(id);
    return history;
  }
  function allExpired(id) {
    try {
      var parsed = JSON.parse(storageGet(HISTORY_PREFIX + id) || "[]");
      return Array.isArray(parsed) && parsed.length > 0 && !parsed.some(fresh);
    } catch (e) { return false; }
  }
  function saveHistory(id) {
    id = id || sessionId;
    if (!id) return;
    history = history.filter(fresh);
    if (history.length > MAX_HISTORY) history = history.slice(history.length - MAX_HISTORY);
    storageSet(HISTORY_PREFIX + id, JSON.stringify(history.map(stored)));
  }
  // Histories of other sessions can never be shown again: they are removed, not kept.
  function dropOtherHistories() {
    storageKeys().forEach(function (key) {
      if (key && key.indexOf(HISTORY_PREFIX) === 0 && key !== HISTORY_PREFIX + sessionId) storageRemove(key);
    });
  }
  function forgetEverything() {
    storageKeys().forEach(function (key) { if (key && key.indexOf(KEY_PREFIX) === 0) storageRemove(key); });
    sessionId = null;
    history = [];
  }

  // --- rendering ---------------------------------------------------------------------------------------
  function pad(number) { return (number < 10 ? "0" : "") + number; }
  function clock(ms) {
    var at = new Date(ms), now = new Date();
    var time = pad(at.getHours()) + ":" + pad(at.getMinutes());
    if (at.toDateString() === now.toDateString()) return time;
    return pad(at.getMonth() + 1) + "-" + pad(at.getDate()) + " " + time;
  }

  // Only http(s) addresses become links (built with DOM calls); anything else stays text.
  var URL_PATTERN = /https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+/g;
  var TRAILING = /[.,;:!?'()[\]]+$/;
  function safeHref(candidate) {
    var parsed = document.createElement("a"); // the browser's own URL parser
    parsed.href = candidate;
    return /^https?:$/.test(parsed.protocol) && parsed.hostname ? parsed.href : null;
  }
  function appendLinked(parent, value) {
    var last = 0, match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(value)) !== null) {
      var url = match[0];
      var trailing = TRAILING.exec(url);
      // trailing punctuation is the sentence's, except a closing bracket the address itself opened
      if (trailing && !(trailing[0].indexOf(")") >= 0 && url.indexOf("(") >= 0)) url = url.slice(0, -trailing[0].length);
      var href = safeHref(url);
      if (!href) continue;
      parent.appendChild(document.createTextNode(value.slice(last, match.index)));
      var link = document.createElement("a");
      link.href = href;
      link.textContent = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      parent.appendChild(link);
      last = match.index + url.length;
      URL_PATTERN.lastIndex = last;
    }
    parent.appendChild(document.createTextNode(value.slice(last)));
  }

  function meta(entry) {
    var row = document.createElement("div");
    row.className = "msg-meta";
    var who = document.createElement("span");
    who.className = "msg-who";
    if (entry.role === "staff") {
      who.textContent = text("staff_label");
      if (entry.staffName) {
        var name = document.createElement("span");
        name.className = "msg-staff-name";
        name.textContent = entry.staffName;
        who.appendChild(name);
      }
    } else {
      who.textContent = entry.role === "user" ? text("you_label") : text("bot_label");
    }
    var time = document.createElement("time");
    time.className = "msg-time";
    time.dateTime = new Date(entry.time).toISOString();
    time.textContent = clock(entry.time);
    row.appendChild(who);
    row.appendChild(time);
    return row;
  }

  function renderMessage(entry) {
    var wrapper = document.createElement("div");
    wrapper.className = "msg msg-" + entry.role;
    wrapper.appendChild(meta(entry));
    var bubble = document.createElement("div");
    bubble.className = "msg-bubble";
    var body = document.createElement("div");
    body.className = "msg-text"; // CSS white-space: pre-wrap keeps the line breaks
    if (entry.role === "staff") appendLinked(body, entry.text || "");
    else body.textContent = entry.text || "";
    bubble.appendChild(body);
    if (entry.details) {
      var details = document.createElement("details");
      details.className = "msg-details";
      var summary = document.createElement("summary");
      summary.textContent = text("basis_summary") || "…";
      var detailsBody = document.createElement("div");
      detailsBody.className = "msg-details-body";
      appendLinked(detailsBody, entry.details);
      details.appendChild(summary);
      details.appendChild(detailsBody);
      bubble.appendChild(details);
    }
    wrapper.appendChild(bubble);

    if (entry.buttons && entry.buttons.length) {
      var row = document.createElement("div");
      row.className = "msg-buttons";
      entry.buttons.forEach(function (button) {
        var chip = document.createElement("button");
        chip.type = "button";
        chip.className = "chip";
        chip.textContent = button.title;
        chip.disabled = Boolean(entry.used || entry.outdated);
        chip.addEventListener("click", function () {
          if (entry.used || entry.outdated) return;
          if (!send(button.payload, button.title)) return;
          entry.used = true;
          saveHistory();
          Array.prototype.forEach.call(row.querySelectorAll(".chip"), function (c) { c.disabled = true; });
        });
        row.appendChild(chip);
      });
      wrapper.appendChild(row);
    }
    if (entry.answerId != null) wrapper.appendChild(ratingRow(entry));
    entry.element = wrapper;
    log.appendChild(wrapper);
    scrollToEnd();
  }

  function ratingRow(entry) {
    var row = document.createElement("div");
    row.className = "msg-rate";
    var note = document.createElement("span");
    note.className = "msg-rated";
    var buttons = [["up", "👍", text("rate_up")], ["down", "👎", text("rate_down")]].map(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "rate rate-" + spec[0];
      button.textContent = spec[1];
      if (spec[2]) { button.setAttribute("aria-label", spec[2]); button.title = spec[2]; }
      button.addEventListener("click", function () { rate(entry, spec[0], buttons, note); });
      row.appendChild(button);
      return button;
    });
    row.appendChild(note);
    showRating(entry, buttons, note);
    return row;
  }
  function showRating(entry, buttons, note) {
    buttons.forEach(function (button) {
      var chosen = entry.rating && button.classList.contains("rate-" + entry.rating);
      button.disabled = Boolean(entry.rating);
      button.classList.toggle("selected", Boolean(chosen));
      button.setAttribute("aria-pressed", chosen ? "true" : "false");
    });
    label(note, entry.rating ? text("rated") : "");
  }
  function rate(entry, rating, buttons, note) {
    if (entry.rating) return;
    var payload = "/rate_answer" + JSON.stringify({ answer_id: String(entry.answerId), rating: rating });
    if (!emitUserMessage(payload)) return; // offline: the buttons stay usable
    entry.rating = rating;
    userActed();
    saveHistory();
    showRating(entry, buttons, note);
  }

  function scrollToEnd() { log.scrollTop = log.scrollHeight; }

  function hint(className, value) {
    if (!value) return;
    // Local notes only: not part of the conversation and not stored.
    var note = document.createElement("div");
    note.className = "chat-hint " + className;
    note.textContent = value;
    log.appendChild(note);
  }
  function renderAll(cleared) {
    while (log.firstChild) log.removeChild(log.firstChild);
    if (!history.length) {
      hint("chat-welcome", text("hint"));
      if (cleared) hint("chat-cleared", text("cleared"));
    }
    history.forEach(renderMessage);
  }
  function clearHints() {
    Array.prototype.forEach.call(log.querySelectorAll(".chat-hint"), function (note) { log.removeChild(note); });
  }

  // Buttons that no longer apply: once the resident has answered (typed, tapped, rated), a newer message
  // makes every older message's chips stale; within one reply only a newer set of chips does.
  var actedSince = 0; // index in history of the resident's latest action
  function userActed() { actedSince = history.length; }
  function outdateOlder(entry) {
    var changed = false;
    history.forEach(function (older, index) {
      if (older.role === "user" || !older.buttons || !older.buttons.length || older.used || older.outdated) return;
      var sameReply = index >= actedSince && entry.role === "bot";
      if (sameReply && !(entry.buttons && entry.buttons.length)) return;
      older.outdated = true;
      changed = true;
      if (older.element) {
        Array.prototype.forEach.call(older.element.querySelectorAll(".chip"), function (c) { c.disabled = true; });
      }
    });
    return changed;
  }

  function addMessage(entry) {
    if (!history.length) clearHints();
    justCleared = false;
    if (entry.role !== "user") outdateOlder(entry);
    history.push(entry);
    if (entry.role === "user") userActed();
    saveHistory();
    renderMessage(entry);
  }

  // --- connection, typing, hand-off queue --------------------------------------------------------------
  var ready = false; // connected and session confirmed
  var everConnected = false;
  function setReady(value) {
    ready = value;
    sendButton.disabled = !value;
  }
  function showBanner(show) {
    banner.textContent = everConnected ? text("reconnecting") : text("offline");
    banner.hidden = !show;
    document.body.classList.toggle("offline", show);
  }

  var typingTimer = null;
  function showTyping(show) {
    if (typingTimer) { clearTimeout(typingTimer); typingTimer = null; }
    // With a human on the other side (or waiting for one) there is nobody typing.
    typing.hidden = !show || queueState !== "none";
    if (!typing.hidden) typingTimer = setTimeout(function () { typing.hidden = true; }, TYPING_MAX_MS);
  }

  var queueState = "none"; // "waiting" | "taken" | "none", as the server last said
  var queueTimer = null;
  var queueAnswered = 0, queueRetry = null;
  function requestQueueStatus() {
    if (ready && sessionId) socket.emit("queue_status_request", { session_id: sessionId });
  }
  // Asked right after a change; the server answers a socket at most every few seconds, so ask once more
  // if this one went unanswered.
  function askQueueSoon() {
    var asked = Date.now();
    requestQueueStatus();
    if (queueRetry) clearTimeout(queueRetry);
    queueRetry = setTimeout(function () {
      queueRetry = null;
      if (queueAnswered < asked) requestQueueStatus();
    }, QUEUE_RETRY_MS);
  }
  function setQueue(state, line) {
    queueState = state === "waiting" || state === "taken" ? state : "none";
    label(queueLine, queueState === "none" ? "" : asString(line));
    if (queueState !== "none") showTyping(false);
    if (queueState !== "none" && !queueTimer) queueTimer = setInterval(requestQueueStatus, QUEUE_POLL_MS);
    if (queueState === "none" && queueTimer) { clearInterval(queueTimer); queueTimer = null; }
  }

  function asString(value) {
    return typeof value === "string" ? value : (value == null ? "" : String(value));
  }

  // Rasa's socket.io output: {text}, {text, quick_replies:[{title,payload}]}, {attachment: ...}, or the
  // web chat's own fields (details, answer_id, sender, staff_name, time, reply_id, handoff).
  function toEntry(data) {
    if (typeof data === "string") data = { text: data };
    if (!data || typeof data !== "object") return null;
    var body = asString(data.text);
    var rawButtons = data.quick_replies || data.buttons || [];
    var buttons = [];
    if (Array.isArray(rawButtons)) {
      rawButtons.forEach(function (b) {
        if (b && (b.title || b.payload)) {
          buttons.push({ title: asString(b.title || b.payload), payload: asString(b.payload || b.title) });
        }
      });
    }
    if (!body && data.attachment) {
      var payload = data.attachment.payload || {};
      body = asString(payload.src || payload.url || "📎");
    }
    if (!body && !buttons.length) return null;
    var staff = data.sender === "staff";
    var entry = {
      role: staff ? "staff" : "bot",
      text: body,
      buttons: buttons,
      time: typeof data.time === "number" && data.time > 0 ? Math.round(data.time * 1000) : Date.now(),
    };
    if (staff && data.staff_name) entry.staffName = asString(data.staff_name);
    if (typeof data.details === "string" && data.details.trim()) entry.details = data.details;
    if (typeof data.answer_id === "number" || (typeof data.answer_id === "string" && /^\d+$/.test(data.answer_id))) {
      entry.answerId = String(data.answer_id);
    }
    return entry;
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
      actedSince = history.length;
      dropOtherHistories();
      renderAll(justCleared);
    }
    setReady(true);
    askQueueSoon(); // a reload or reconnect during a hand-off: the waiting line comes back
  });

  socket.on("bot_uttered", function (data) {
    // Kept messages (agents' replies, the rating question) carry an id: confirm it (the server sends it
    // again until confirmed, e.g. after the page was closed) and show it once.
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
    if (data.handoff === "queued") {
      setQueue("waiting", queueLine.textContent);
      askQueueSoon();
    } else if (entry.role === "staff" || queueState !== "none") {
      askQueueSoon(); // an agent took it, or closed it and the bot is back
    }
  });

  socket.on("queue_status", function (status) {
    if (!status || typeof status !== "object") return;
    queueAnswered = Date.now();
    setQueue(asString(status.state), status.text);
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
  function emitUserMessage(message) {
    if (!ready || !sessionId) return false;
    socket.emit("user_uttered", { message: message, session_id: sessionId, customData: { client: "webchat" } });
    showTyping(true);
    return true;
  }
  function send(message, shownText) {
    message = asString(message).trim();
    if (!message || !ready || !sessionId) return false;
    addMessage({ role: "user", text: shownText || message, buttons: [], time: Date.now() });
    return emitUserMessage(message);
  }

  function updateCounter() {
    if (!maxChars) { counter.hidden = true; limitNote.hidden = true; return; }
    var count = input.value.length;
    label(counter, text("char_count", { count: count, limit: maxChars }) || count + "/" + maxChars);
    counter.classList.toggle("full", count >= maxChars);
    label(limitNote, count >= maxChars ? text("char_limit", { limit: maxChars }) : "");
  }
  input.addEventListener("input", updateCounter);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (send(input.value)) { input.value = ""; updateCounter(); }
    input.focus();
  });

  // "清除记录": a second tap within a few seconds confirms (no blocking dialog); then the stored history
  // and the session are gone and a new conversation starts.
  var clearTimer = null;
  var justCleared = false; // the "cleared" note stays until the new conversation begins
  function resetClearButton() {
    clearTimer = null;
    clearButton.classList.remove("confirming");
    label(clearButton, text("clear_history"));
  }
  clearButton.addEventListener("click", function () {
    if (!clearTimer) {
      clearButton.classList.add("confirming");
      clearButton.textContent = text("clear_confirm") || text("clear_history");
      clearTimer = setTimeout(resetClearButton, CLEAR_CONFIRM_MS);
      return;
    }
    clearTimeout(clearTimer);
    resetClearButton();
    forgetEverything();
    justCleared = true;
    setQueue("none");
    showTyping(false);
    renderAll(true);
    setReady(false);
    // reconnect so the old socket leaves the old session's room
    socket.disconnect();
    socket.connect();
  });

  // Re-render the saved conversation right away (before the socket connects). When all of it expired,
  // the next resident at this computer starts a conversation of their own.
  if (sessionId && allExpired(sessionId)) forgetEverything();
  history = loadHistory(sessionId);
  actedSince = history.length;
  dropOtherHistories();
  renderAll(false);
  updateCounter();
})();
