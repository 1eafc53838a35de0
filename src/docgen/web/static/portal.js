// docgen portal: the reviewer names cells by clicking them; a returned report shows the reason
// beside each cell it names; the slips page prints. (No inline script: the portal's CSP forbids it.)
(function () {
  "use strict";
  // a returned report: the reason beside every cell and field it names
  document.querySelectorAll("[data-returned]").forEach(function (el) {
    const note = document.createElement("span");
    note.className = "returned-note";
    note.setAttribute("data-returned-note", el.getAttribute("data-cell") || el.getAttribute("data-field") || "");
    note.setAttribute("role", "note");
    note.textContent = "退回：" + el.getAttribute("data-returned");
    el.insertAdjacentElement("afterend", note);
  });
  document.querySelectorAll("[data-goto]").forEach(function (link) {
    link.addEventListener("click", function (e) {
      e.preventDefault();
      const path = link.getAttribute("data-goto");
      const el = document.querySelector('[data-cell="' + CSS.escape(path) + '"], [data-field="' + CSS.escape(path) + '"]');
      if (el) { el.scrollIntoView({ block: "center" }); el.focus(); }
    });
  });
  // the reviewer: clicking a (read-only) cell adds it to the cells the return names
  const cells = document.querySelector('[data-role="return-cells"]');
  if (cells) {
    document.querySelectorAll("[data-cell][readonly], [data-field][readonly]").forEach(function (el) {
      el.addEventListener("click", function () {
        const path = el.getAttribute("data-cell") || el.getAttribute("data-field");
        const lines = cells.value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
        if (lines.indexOf(path) < 0) { lines.push(path); cells.value = lines.join("\n"); }
        el.setAttribute("data-picked", "");
      });
    });
  }
  const print = document.querySelector('[data-action="print"]');
  if (print) print.addEventListener("click", function () { window.print(); });
})();
