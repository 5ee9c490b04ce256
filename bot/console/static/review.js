// 政策通 review page: groups of questions the assistant could not answer well, one action per group, and the
// daily figures drawn as small SVG charts (no outside scripts: the page's CSP allows only its own).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  let me = null;

  async function api(path, options) {
    const response = await fetch("/console/api/" + path, Object.assign({credentials: "same-origin"}, options || {}));
    if (response.status === 401) { window.location.href = "/console/login"; throw new Error("401"); }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || ("HTTP " + response.status));
    return body;
  }
  // Every POST carries JSON and the session's CSRF token (from /api/me), as on the console page.
  const ready = api("me").then((account) => { me = account; return account; });
  const post = async (path, body) => {
    await ready;
    return api(path, {method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": me.csrf_token},
                      body: JSON.stringify(body || {})});
  };
  function status(text, done) { $("status").textContent = text || ""; $("status").className = done ? "done" : ""; }
  function clock(epoch) {
    return new Date(epoch * 1000).toLocaleString("zh-CN", {timeZone: "Asia/Shanghai", hour12: false,
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"});
  }
  const percent = (value) => value === null || value === undefined ? "–" : Math.round(value * 100) + "%";
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---- charts ----
  const W = 320, H = 150, LEFT = 34, RIGHT = 8, TOP = 10, BOTTOM = 22;
  function lineChart(id, title, days, key, total) {
    const figure = element("figure", "chart");
    figure.id = id;
    const caption = element("figcaption", "", title);
    caption.append(element("b", "", percent(total)));
    figure.append(caption);
    const chart = svg("svg", {viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title + "（按天）"});
    const x = (i) => LEFT + (days.length < 2 ? 0 : i * (W - LEFT - RIGHT) / (days.length - 1));
    const y = (v) => TOP + (1 - v) * (H - TOP - BOTTOM);
    for (const level of [0, 0.5, 1]) {
      chart.append(svg("line", {class: level ? "grid" : "axis", x1: LEFT, x2: W - RIGHT, y1: y(level), y2: y(level)}));
      chart.append(svg("text", {x: LEFT - 4, y: y(level) + 3, "text-anchor": "end"}, Math.round(level * 100) + "%"));
    }
    if (days.length) {
      chart.append(svg("text", {x: LEFT, y: H - 6, "text-anchor": "start"}, days[0].day.slice(5)));
      chart.append(svg("text", {x: W - RIGHT, y: H - 6, "text-anchor": "end"}, days[days.length - 1].day.slice(5)));
    }
    // A day without data (nobody rated, nobody asked) leaves a gap in the line instead of a fake 0%.
    let run = [];
    const flush = () => {
      if (run.length > 1) chart.append(svg("polyline", {class: "line", points: run.join(" ")}));
      run = [];
    };
    let drawn = 0;
    days.forEach((day, i) => {
      const value = day[key];
      if (value === null || value === undefined) { flush(); return; }
      run.push(x(i) + "," + y(value));
      const dot = svg("circle", {class: "dot", cx: x(i), cy: y(value), r: 2.5});
      dot.append(svg("title", {}, day.day + "：" + percent(value)));
      chart.append(dot);
      drawn += 1;
    });
    flush();
    if (!drawn) chart.append(svg("text", {class: "empty", x: W / 2, y: H / 2, "text-anchor": "middle"}, "暂无数据"));
    figure.append(chart);
    return figure;
  }
  function barChart(id, title, items) {
    const figure = element("figure", "chart");
    figure.id = id;
    figure.append(element("figcaption", "", title));
    const rowHeight = 24, height = Math.max(1, items.length) * rowHeight + 8, labelWidth = 150;
    const chart = svg("svg", {viewBox: `0 0 ${W} ${height}`, role: "img", "aria-label": title});
    const most = Math.max(1, ...items.map((item) => item.count));
    items.forEach((item, i) => {
      const top = 4 + i * rowHeight;
      const label = item.subject.length > 12 ? item.subject.slice(0, 11) + "…" : item.subject;
      const text = svg("text", {class: "label", x: 0, y: top + 15}, label);
      text.append(svg("title", {}, item.subject));
      chart.append(text);
      const width = Math.max(2, (W - labelWidth - 30) * item.count / most);
      chart.append(svg("rect", {class: "bar", x: labelWidth, y: top + 4, width: width, height: rowHeight - 8, rx: 2}));
      chart.append(svg("text", {x: labelWidth + width + 4, y: top + 15}, String(item.count)));
    });
    if (!items.length) chart.append(svg("text", {class: "empty", x: W / 2, y: 18, "text-anchor": "middle"}, "暂无数据"));
    figure.append(chart);
    return figure;
  }

  async function refreshFigures() {
    const days = $("days").value;
    $("csv").href = "/console/api/review/figures.csv?days=" + encodeURIComponent(days);
    try {
      const data = await api("review/figures?days=" + encodeURIComponent(days));
      const total = data.total;
      const totals = $("totals");
      totals.replaceChildren();
      for (const [label, value] of [["会话数", total.conversations], ["自助解决率", percent(total.self_resolution_rate)],
        ["转人工率", percent(total.handoff_rate)], ["👍率（" + total.rated + " 次评价）", percent(total.up_rate)],
        ["人工服务满意率（" + total.tickets_rated + " 次评价）", percent(total.satisfaction_rate)]]) {
        const tile = element("div");
        tile.append(element("b", "", String(value)), element("span", "", label));
        totals.append(tile);
      }
      const charts = $("charts");
      charts.replaceChildren(
        lineChart("chart-self", "自助解决率", data.days, "self_resolution_rate", total.self_resolution_rate),
        lineChart("chart-handoff", "转人工率", data.days, "handoff_rate", total.handoff_rate),
        lineChart("chart-up", "👍率", data.days, "up_rate", total.up_rate),
        lineChart("chart-satisfaction", "人工服务满意率", data.days, "satisfaction_rate", total.satisfaction_rate),
        barChart("chart-subjects", "最常问的未答主题（前 5）", total.unanswered_subjects),
      );
    } catch (error) { if (error.message !== "401") status("指标加载失败：" + error.message); }
  }

  // ---- the review list ----
  let facts = [];
  async function loadFacts() {
    try {
      facts = (await api("review/facts")).facts;
      const options = $("fact-options");
      options.replaceChildren();
      for (const fact of facts) {
        const option = document.createElement("option");
        option.value = fact.id;
        option.label = fact.title + "（" + fact.region + "）";
        option.textContent = fact.title + "（" + fact.region + "）";
        options.append(option);
      }
    } catch (error) { if (error.message !== "401") status("知识列表加载失败：" + error.message); }
  }
  const factTitle = (id) => { const fact = facts.find((f) => f.id === id); return fact ? fact.title : ""; };

  function groupItem(group) {
    const item = element("li", "group");
    item.dataset.group = group.id;
    const head = element("div", "group-head");
    head.append(element("b", "count", group.count + " 次"),
      element("span", "newest", "最近 " + clock(group.newest)),
      element("span", "reasons", group.reasons.map((r) => r.label + " ×" + r.count).join(" · ")));
    item.append(head);
    const questions = element("ul", "questions");
    for (const question of group.questions) {
      const line = element("li", "", question.text);
      if (question.count > 1) line.append(element("span", "times", "×" + question.count));
      questions.append(line);
    }
    if (group.more_questions) questions.append(element("li", "times", "……还有 " + group.more_questions + " 种问法"));
    item.append(questions);
    const involved = [];
    if (group.subjects.length) involved.push("转介主题：" + group.subjects.join("、"));
    if (group.fact_ids.length) involved.push("助手给出的知识：" + group.fact_ids.map((id) => id + (factTitle(id) ? "（" + factTitle(id) + "）" : "")).join("、"));
    if (involved.length) item.append(element("p", "involved", involved.join(" · ")));
    const actions = element("div", "actions");
    const fact = element("input", "fact");
    fact.setAttribute("list", "fact-options");
    fact.setAttribute("aria-label", "选择知识（输入 id 或标题搜索）");
    fact.placeholder = "搜索知识：输入 id 或标题";
    fact.value = group.fact_ids[0] || "";
    const add = element("button", "add", "加为例句");
    const draft = element("button", "draft", "新建知识草稿");
    const dismiss = element("button", "dismiss", "忽略");
    for (const button of [add, draft, dismiss]) button.type = "button";
    actions.append(fact, add, draft, dismiss);
    item.append(actions);
    const result = element("p", "result");
    result.setAttribute("role", "status");
    item.append(result);
    const run = async (path, body, done) => {
      for (const button of [add, draft, dismiss]) button.disabled = true;
      result.textContent = "";
      try {
        const answer = await post(path, Object.assign({ids: group.ids}, body));
        status(done(answer), true);
        await refreshGroups();
      } catch (error) {
        result.textContent = error.message;
        for (const button of [add, draft, dismiss]) button.disabled = false;
      }
    };
    add.addEventListener("click", () => {
      const id = fact.value.trim();
      if (!id) { result.textContent = "请先选择一条知识"; fact.focus(); return; }
      run("review/examples", {fact_id: id}, (answer) => "已把 " + answer.added.length + " 个问法加为知识 " + answer.fact_id
        + " 的例句（" + answer.file + "）" + (answer.already_there.length ? "，" + answer.already_there.length + " 个已经是它的例句" : "")
        + "。重新训练（make train）并重启助手后生效。");
    });
    draft.addEventListener("click", () => run("review/draft", {}, (answer) =>
      "已写入新知识草稿 knowledge/" + answer.draft + "：补全 TODO 并移入 knowledge/ 的知识文件，再 make train。"));
    dismiss.addEventListener("click", () => run("review/dismiss", {}, (answer) => "已忽略 " + answer.reviewed + " 条记录。"));
    return item;
  }

  async function refreshGroups() {
    try {
      const data = await api("review/groups");
      const list = $("groups");
      list.replaceChildren(...data.groups.map(groupItem));
      $("no-groups").hidden = data.groups.length > 0;
      $("review-count").textContent = data.total_groups + " 组，" + data.total_records + " 条记录"
        + (data.total_groups > data.groups.length ? "（显示前 " + data.groups.length + " 组）" : "");
      $("criteria").textContent = "列出未能回答（无相关知识而转介、没听懂）、置信度低于 " + data.settings.low_confidence
        + " 的回答和被点👎的答复；措辞相似度 ≥ " + data.settings.similarity + " 的归为一组。排序：最近一条所在的日期新的在前，同一天里次数多的在前。";
    } catch (error) { if (error.message !== "401") status("列表加载失败：" + error.message); }
  }

  $("days").addEventListener("change", refreshFigures);
  $("refresh").addEventListener("click", () => { status(""); refreshGroups(); refreshFigures(); });
  ready.then((account) => {
    $("me").textContent = account.name + "（" + account.username + "）";
    $("desk-link").hidden = !account.works_tickets;
  }).catch(() => {});
  loadFacts().then(refreshGroups);
  refreshFigures();
})();
