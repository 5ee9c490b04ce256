// 政策通 agent console: polls the queue and the open conversation; all calls need the session cookie.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const REASONS_POLL_MS = 2000;
  const DETAIL_POLL_MS = 1000;
  let selected = null;
  let me = null;

  async function api(path, options) {
    const response = await fetch("/console/api/" + path, Object.assign({credentials: "same-origin"}, options || {}));
    if (response.status === 401) { window.location.href = "/console/login"; throw new Error("401"); }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || ("HTTP " + response.status));
    return body;
  }
  // Every POST carries JSON and the session's CSRF token (from /api/me) — the server refuses anything else.
  const ready = api("me").then((account) => { me = account; return account; });
  const post = async (path, body) => {
    await ready;
    return api(path, {method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": me.csrf_token},
                      body: JSON.stringify(body || {})});
  };

  function status(text) { $("status").textContent = text || ""; }
  let knownWaiting = null;
  function chime() {
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      const tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.2);
    } catch (error) { /* no sound available: the title still counts */ }
  }
  function minutes(seconds) { return seconds < 60 ? "不到1分钟" : Math.floor(seconds / 60) + "分钟"; }
  // Dates and times in China time, whatever the agent's computer is set to.
  function clock(epoch) {
    return new Date(epoch * 1000).toLocaleString("zh-CN", {timeZone: "Asia/Shanghai", hour12: false,
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"});
  }
  const CHANNELS = {socketio: "网页", telegram: "Telegram", rest: "REST", cmdline: "命令行"};

  async function refreshQueue() {
    try {
      const data = await api("tickets");
      $("count-waiting").textContent = data.counts.waiting;
      $("count-taken").textContent = data.counts.taken;
      $("count-closed").textContent = data.counts.closed_today;
      $("count-satisfaction").textContent = data.counts.satisfaction_rate === null ? "–"
        : Math.round(data.counts.satisfaction_rate * 100) + "%";
      const list = $("tickets");
      list.replaceChildren();
      // A new waiting ticket: a short sound and the count in the tab's title, also when the tab is in the back.
      const waitingIds = data.tickets.filter((t) => t.status === "waiting").map((t) => t.id);
      if (knownWaiting !== null && waitingIds.some((id) => !knownWaiting.has(id))) chime();
      knownWaiting = new Set(waitingIds);
      document.title = (data.counts.waiting ? "(" + data.counts.waiting + ") " : "") + "政策通 · 人工坐席";
      for (const ticket of data.tickets) {
        const item = document.createElement("li");
        item.dataset.ticket = ticket.id;
        item.tabIndex = 0;  // keyboard: Tab to a ticket, Enter opens it
        item.addEventListener("keydown", (event) => { if (event.key === "Enter") item.click(); });
        if (selected === ticket.id) item.className = "selected";
        const who = ticket.status === "taken" ? "处理中：" + ticket.agent : "等待中";
        const title = document.createElement("div");
        title.textContent = "#" + ticket.id + " · " + (CHANNELS[ticket.channel] || ticket.channel) + " · " + who
          + (ticket.after_hours ? " · 非工作时间留言" : "");
        const reason = document.createElement("div");
        reason.className = "reason";
        reason.textContent = ticket.reason_label;
        const meta = document.createElement("div");
        meta.className = "meta";
        meta.textContent = "已等待 " + minutes(ticket.waiting_seconds) + " · 转人工于 " + clock(ticket.created_at);
        item.append(title, reason, meta);
        item.addEventListener("click", () => { selected = ticket.id; refreshDetail(); refreshQueue(); });
        list.append(item);
      }
      $("empty").hidden = data.tickets.length > 0;
      status("");
    } catch (error) { if (error.message !== "401") status("无法连接服务器：" + error.message); }
  }

  async function refreshDetail() {
    if (selected === null) return;
    try {
      const ticket = await api("tickets/" + selected);
      $("detail").hidden = false;
      $("detail-title").textContent = "工单 #" + ticket.id + "（" + ticket.reason_label + "）";
      $("detail-meta").textContent = "渠道：" + (CHANNELS[ticket.channel] || ticket.channel) + " · 会话：" + ticket.conversation_id
        + (ticket.contact_full ? " · 回拨号码：" + ticket.contact_full : ticket.contact ? " · 联系方式：" + ticket.contact : "") + " · 状态：" + {waiting: "等待中", taken: "处理中：" + ticket.agent, closed: "已关闭"}[ticket.status];
      const mine = ticket.status === "taken" && me && ticket.agent === me.username;
      const supervisor = me && me.role === "supervisor";
      $("take").disabled = ticket.status !== "waiting";
      $("close").disabled = !mine;
      $("release").disabled = !(ticket.status === "taken" && (mine || supervisor));
      $("transfer").disabled = !(mine || (supervisor && ticket.status !== "closed"));
      $("reply").disabled = !mine;
      $("send").disabled = !mine;
      const transcript = $("transcript");
      const atBottom = transcript.scrollTop + transcript.clientHeight >= transcript.scrollHeight - 10;
      transcript.replaceChildren();
      for (const line of ticket.transcript) {
        const item = document.createElement("li");
        item.className = line.role;
        const who = {resident: "居民", bot: "机器人", agent: "坐席 " + (line.agent || ""), system: ""}[line.role];
        item.textContent = (who ? who + "（" + clock(line.time) + "）：" : "") + line.text
          + (line.buttons && line.buttons.length ? "\n[按钮] " + line.buttons.join(" | ") : "")
          + (line.state_label ? "  [" + line.state_label + "]" : "");
        if (line.role === "resident" && line.intent) {
          const nlu = document.createElement("span");
          nlu.className = "nlu";
          nlu.textContent = "意图 " + line.intent + " · 置信度 " + (line.confidence || 0).toFixed(2);
          item.append(nlu);
        }
        transcript.append(item);
      }
      if (atBottom) transcript.scrollTop = transcript.scrollHeight;
      const notes = $("notes");
      notes.replaceChildren();
      for (const note of ticket.notes || []) {
        const item = document.createElement("li");
        item.textContent = note.agent + "（" + clock(note.time) + "）：" + note.text;
        notes.append(item);
      }
    } catch (error) { if (error.message !== "401") status(error.message); }
  }

  $("take").addEventListener("click", async () => {
    try { await post("tickets/" + selected + "/take"); status(""); } catch (error) { status(error.message); }
    refreshDetail(); refreshQueue();
  });
  $("release").addEventListener("click", async () => {
    try { await post("tickets/" + selected + "/release"); status("工单已放回队列。"); } catch (error) { status(error.message); }
    refreshDetail(); refreshQueue();
  });
  $("transfer").addEventListener("click", async () => {
    const to = window.prompt("转交给哪位工作人员？请输入用户名");
    if (!to) return;
    try { await post("tickets/" + selected + "/transfer", {to: to.trim()}); status("已转交给 " + to.trim() + "。"); }
    catch (error) { status(error.message); }
    refreshDetail(); refreshQueue();
  });
  $("close").addEventListener("click", async () => {
    if (!window.confirm("确定结束本次服务吗？结束后机器人会接管并请居民评价。")) return;
    try { await post("tickets/" + selected + "/close"); status("已结束服务，机器人已请居民评价。"); }
    catch (error) { status(error.message); }
    refreshDetail(); refreshQueue();
  });
  $("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("reply").value.trim();
    if (!text) return;
    try {
      const result = await post("tickets/" + selected + "/reply", {text: text});
      $("reply").value = "";
      status({delivered: "", sent: "已发送，等待居民页面确认收到。",
              waiting: "居民当前不在线（或渠道不支持推送），消息已保存，居民回来或再发消息时会收到。"}[result.state] || "");
    } catch (error) { status(error.message); }
    refreshDetail();
  });

  $("reply").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); $("reply-form").requestSubmit(); }
  });
  // Canned replies: fixed phrases for an empty search, else the knowledge base's closest facts. Choosing
  // one inserts its text (for a fact: the answer, its basis and source) into the reply box, to edit there.
  let cannedTimer = null;
  let cannedAsked = 0;
  async function refreshCanned() {
    const asked = ++cannedAsked;
    try {
      const data = await api("knowledge?q=" + encodeURIComponent($("canned-q").value.trim()));
      if (asked !== cannedAsked) return;  // a later search is under way
      const list = $("canned-results");
      list.replaceChildren();
      for (const result of data.results) {
        const item = document.createElement("li");
        item.tabIndex = 0;
        const title = document.createElement("b");
        title.textContent = result.title;
        item.append(title);
        if (result.region) {
          const region = document.createElement("span");
          region.className = "region";
          region.textContent = result.region;
          item.append(region);
        }
        const choose = () => {
          const box = $("reply");
          if (box.disabled) { status("请先接手这个工单再回复"); return; }
          box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n" + result.text : result.text;
          box.focus();
          box.setSelectionRange(box.value.length, box.value.length);
        };
        item.addEventListener("click", choose);
        item.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); choose(); } });
        list.append(item);
      }
    } catch (error) { if (error.message !== "401") status(error.message); }
  }
  $("canned-q").addEventListener("input", () => { clearTimeout(cannedTimer); cannedTimer = setTimeout(refreshCanned, 200); });
  $("canned-q").addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); clearTimeout(cannedTimer); refreshCanned(); }
    if (event.key === "ArrowDown" && $("canned-results").firstChild) { event.preventDefault(); $("canned-results").firstChild.focus(); }
  });
  refreshCanned();
  $("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("note").value.trim();
    if (!text || selected === null) return;
    try { await post("tickets/" + selected + "/notes", {text: text}); $("note").value = ""; }
    catch (error) { status(error.message); }
    refreshDetail();
  });
  async function refreshHistory() {
    try {
      const data = await api("history?q=" + encodeURIComponent($("history-q").value.trim()) + "&limit=20");
      const list = $("history");
      list.replaceChildren();
      for (const ticket of data.tickets) {
        const item = document.createElement("li");
        item.tabIndex = 0;
        item.textContent = "#" + ticket.id + " · " + (CHANNELS[ticket.channel] || ticket.channel) + " · " + (ticket.agent || "")
          + " · 关闭于 " + (ticket.closed_at ? clock(ticket.closed_at) : "") + (ticket.rating ? " · " + {satisfied: "满意", unsatisfied: "不满意"}[ticket.rating] : "");
        const open = () => { selected = ticket.id; refreshDetail(); };
        item.addEventListener("click", open);
        item.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
        list.append(item);
      }
    } catch (error) { if (error.message !== "401") status(error.message); }
  }
  $("history-form").addEventListener("submit", (event) => { event.preventDefault(); refreshHistory(); });
  refreshHistory();
  ready.then((account) => {
    $("me").textContent = account.name + "（" + account.username + "）";
    $("review-link").hidden = !account.reviews_answers;  // supervisors also review the answers
  });
  refreshQueue();
  setInterval(refreshQueue, REASONS_POLL_MS);
  setInterval(refreshDetail, DETAIL_POLL_MS);
})();
