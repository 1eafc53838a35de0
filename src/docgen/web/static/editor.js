// docgen editor: marks cells in place, spreadsheet keys, block paste, sections, save status.
// The input elements are never replaced: htmx only swaps the findings list; the rest arrives
// in the "docgen:checked" event (HX-Trigger header) and is applied attribute by attribute.
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  if (!form) return;
  htmx.config.defaultSettleDelay = 0; // findings are shown as soon as they arrive
  const saved = document.querySelector('[data-role="saved"]');
  // Changes made, and the number of changes the last answered save carried: the page is
  // "saved" only when every change has been answered.
  let changes = 0, sending = 0, answered = 0;
  function pending() { return changes > answered; }
  function changed(composing) {
    changes += 1;
    if (saved) saved.textContent = composing ? "正在输入…" : "正在保存…";
  }
  form.addEventListener("htmx:beforeRequest", function (e) { if (e.target === form) sending = changes; });

  // -- results of a save -------------------------------------------------------------------
  document.body.addEventListener("docgen:checked", function (e) {
    const d = e.detail || {};
    // data-error="error" (red) or "warning" (amber: narrative text, R6), on cells and text fields
    const marks = new Map();
    (d.warnings || []).forEach(function (p) { marks.set(p, "warning"); });
    (d.errors || []).forEach(function (p) { marks.set(p, "error"); });
    form.querySelectorAll("[data-cell],[data-field],[data-total]").forEach(function (el) {
      const path = el.getAttribute("data-cell") || el.getAttribute("data-field") || el.getAttribute("data-total");
      const level = marks.get(path);
      if (level === undefined) { if (el.hasAttribute("data-error")) el.removeAttribute("data-error"); }
      else if (el.getAttribute("data-error") !== level) el.setAttribute("data-error", level);
    });
    Object.entries(d.totals || {}).forEach(function ([path, value]) {
      const el = form.querySelector('[data-total="' + CSS.escape(path) + '"]');
      if (el && el.textContent !== value) el.textContent = value;
    });
    answered = Math.max(answered, sending);
    if (saved) saved.textContent = pending() ? "正在保存…" : "第 " + d.revision + " 版 · " + d.saved + " 已保存";
    form.setAttribute("data-revision", String(d.revision));
  });
  // A change is saved 300 ms after the last keystroke — never while an IME composition is open
  // (its end is a change). The page's policy runs no inline or eval'd script, so this is here
  // rather than an htmx trigger filter.
  form.addEventListener("input", function (e) {
    changed(e.isComposing);
    countOverview();
    if (!e.isComposing) htmx.trigger(form, "docgen:edit");
  });
  form.addEventListener("compositionend", function () { htmx.trigger(form, "docgen:edit"); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  document.body.addEventListener("htmx:responseError", function (e) {
    const xhr = e.detail.xhr;
    if (saved) saved.textContent = "保存失败：" + (xhr && xhr.status < 500 ? xhr.responseText : "服务器出错") + "（修改仍在页面上，请稍后再改动一次或刷新）";
  });
  document.body.addEventListener("htmx:sendError", function () {
    if (saved) saved.textContent = "保存失败：无法连接服务器（docgen serve 是否仍在运行？）";
  });
  // Leaving the page with a change not yet sent: send it now.
  window.addEventListener("pagehide", function () {
    if (pending() && navigator.sendBeacon) navigator.sendBeacon(form.getAttribute("hx-post"), new FormData(form));
  });

  // A finding leads to its first cell (click or Enter on it).
  const findings = document.querySelector('[data-role="findings"]');
  function follow(e) {
    const item = e.target.closest("[data-finding]");
    if (!item || (e.type === "keydown" && e.key !== "Enter")) return;
    const first = (item.dataset.cells || "").split(" ").filter(Boolean)[0];
    const el = first && form.querySelector('[data-cell="' + CSS.escape(first) + '"],[data-field="' + CSS.escape(first) + '"]');
    if (el) { el.focus(); if (el.select) el.select(); }
  }
  if (findings) { findings.addEventListener("click", follow); findings.addEventListener("keydown", follow); }

  // -- moving between cells ----------------------------------------------------------------
  function cellsOf(table) {
    return Array.from(table.querySelectorAll("input[data-cell]")).map(function (el) {
      return { el: el, row: +el.dataset.row, col: +el.dataset.col };
    });
  }
  function neighbour(input, dr, dc) {
    const all = cellsOf(input.closest("table"));
    const r = +input.dataset.row, c = +input.dataset.col;
    let best = null, score = Infinity;
    all.forEach(function (x) {
      let s;
      if (dr) {
        if ((x.row - r) * dr <= 0) return;
        s = Math.abs(x.row - r) * 1000 + Math.abs(x.col - c);
      } else {
        if (x.row !== r || (x.col - c) * dc <= 0) return;
        s = Math.abs(x.col - c);
      }
      if (s < score) { score = s; best = x.el; }
    });
    return best;
  }
  form.addEventListener("keydown", function (e) {
    const el = e.target;
    if (!el.matches || !el.matches("input[data-cell]")) return;
    if (e.isComposing || e.keyCode === 229) return; // choosing characters in an IME
    let next = null;
    const atStart = el.selectionStart === 0 && el.selectionEnd === 0;
    const atEnd = el.selectionStart === el.value.length;
    if (e.key === "Enter" || e.key === "ArrowDown") next = neighbour(el, e.shiftKey && e.key === "Enter" ? -1 : 1, 0);
    else if (e.key === "ArrowUp") next = neighbour(el, -1, 0);
    else if (e.key === "ArrowLeft" && atStart) next = neighbour(el, 0, -1);
    else if (e.key === "ArrowRight" && atEnd) next = neighbour(el, 0, 1);
    else return;
    e.preventDefault();
    if (next) { next.focus(); next.select(); }
  });

  // -- pasting a block copied from Excel / WPS ---------------------------------------------------
  form.addEventListener("paste", function (e) {
    const el = e.target;
    if (!el.matches || !el.matches("input[data-cell]")) return;
    const text = (e.clipboardData || window.clipboardData).getData("text/plain") || "";
    const rows = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n").map(function (line) { return line.split("\t"); });
    if (rows.length === 1 && rows[0].length === 1) return; // one value: the browser pastes it
    e.preventDefault();
    const all = cellsOf(el.closest("table"));
    const rowNumbers = Array.from(new Set(all.map(function (x) { return x.row; }))).sort(function (a, b) { return a - b; });
    const r0 = rowNumbers.indexOf(+el.dataset.row), c0 = +el.dataset.col;
    rows.forEach(function (values, i) {
      const rowNumber = rowNumbers[r0 + i];
      if (rowNumber === undefined) return;
      const targets = all.filter(function (x) { return x.row === rowNumber && x.col >= c0; }).sort(function (a, b) { return a.col - b.col; });
      values.forEach(function (value, j) { if (targets[j]) targets[j].el.value = value.trim(); });
    });
    changed();
    htmx.trigger(form, "docgen:save");
  });

  // -- 一、总体情况: sections ------------------------------------------------------------------------
  const list = form.querySelector('[data-role="sections"]');
  const numerals = "一二三四五六七八九十";
  function renumber() {
    form.querySelector('[data-role="section-count"]').value = String(list.children.length);
    Array.from(list.children).forEach(function (li, i) {
      li.querySelector(".enum").textContent = "（" + (numerals[i] || String(i + 1)) + "）";
      const title = li.querySelector("input.title"), text = li.querySelector("textarea");
      title.name = title.dataset.field = "overview.sections." + i + ".title";
      text.name = text.dataset.field = "overview.sections." + i + ".text";
    });
    countOverview();
  }
  function reordered() { changed(); renumber(); htmx.trigger(form, "docgen:save"); }
  list.addEventListener("click", function (e) {
    const button = e.target.closest("button[data-move]");
    if (!button) return;
    const li = button.closest("li");
    const move = button.dataset.move;
    if (move === "up" && li.previousElementSibling) list.insertBefore(li, li.previousElementSibling);
    else if (move === "down" && li.nextElementSibling) list.insertBefore(li.nextElementSibling, li);
    else if (move === "remove") {
      if (!window.confirm("删除这一节？（可在修改记录中恢复）")) return;
      li.remove();
    } else return;
    reordered();
  });
  form.querySelector('[data-action="add-section"]').addEventListener("click", function () {
    const li = document.createElement("li");
    li.className = "section";
    li.innerHTML = '<div class="section-head"><span class="enum"></span><input class="title" aria-label="小节标题" autocomplete="off">' +
      '<button type="button" data-move="up" title="上移">↑</button><button type="button" data-move="down" title="下移">↓</button>' +
      '<button type="button" data-move="remove" title="删除本节">删除</button></div><textarea rows="4" aria-label="小节内容"></textarea>';
    list.appendChild(li);
    renumber();
    li.querySelector("input.title").focus();
  });

  // The 2021 format's 一千字 for 一、总体情况, counted as `docgen check` counts (letters and digits).
  const counter = form.querySelector('[data-role="overview-count"]');
  const limit = +form.dataset.overviewLimit || 0;
  function countOverview() {
    if (!counter || !limit) return;
    let text = form.querySelector('[data-field="overview.intro"]').value;
    list.querySelectorAll("input.title, textarea").forEach(function (el) { text += el.value; });
    const n = (text.match(/[\p{L}\p{N}]/gu) || []).length;
    counter.textContent = "一、总体情况共 " + n + " 字（不计标点），格式要求原则上不超过 " + limit + " 字";
    counter.classList.toggle("over", n > limit);
  }
  countOverview(); // the page arrives numbered (renumber() runs when sections change)
})();
