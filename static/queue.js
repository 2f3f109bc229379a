// queue.js enhances the staff queue; the page works without it (a Refresh
// link, a select-all checkbox the server reads, a confirm page).
//  - Live rows: every data-poll seconds it asks data-rows-url for the rows
//    and merges them in place, keeping the scroll position, the ticked
//    boxes, the focused row and whatever is typed in the page's inputs
//    (they are outside the rows). New tickets are announced politely.
//  - Select all: ticks every row; unticking a row unticks "all".
//  - Keys: j/k next/previous row, Enter/o open, x select, ? help.
(function () {
  "use strict";
  var table = document.querySelector("table.queue[data-rows-url]");
  var live = document.getElementById("queue-live");
  var all = document.getElementById("select-all");
  var dialog = document.getElementById("shortcuts");
  var current = -1; // index of the row j/k last moved to

  function tbody() { return document.getElementById("queue-rows"); }
  function rows() { var b = tbody(); return b ? Array.prototype.slice.call(b.rows) : []; }
  function box(tr) { return tr.querySelector('input[type="checkbox"][name="ref"]'); }
  function refOf(tr) { return tr.getAttribute("data-ref"); }

  function say(msg) {
    if (!live) return;
    // Cleared first so the same words are announced again.
    live.textContent = "";
    window.setTimeout(function () { live.textContent = msg; }, 50);
  }

  // Select all.
  if (all) {
    all.addEventListener("change", function () {
      rows().forEach(function (tr) { var b = box(tr); if (b) b.checked = all.checked; });
    });
  }
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (all && t && t.name === "ref" && !t.checked) all.checked = false;
  });

  // Live rows.
  var lastHTML = null;
  function poll() {
    if (document.hidden || !table) return;
    var url = table.getAttribute("data-rows-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" }, redirect: "error" })
      .then(function (r) { if (!r.ok) throw new Error("status " + r.status); return r.text(); })
      .then(merge)
      .catch(function () { /* the manual Refresh link still works */ });
  }
  function merge(html) {
    if (html === lastHTML) return;
    lastHTML = html;
    var doc = new DOMParser().parseFromString("<table>" + html + "</table>", "text/html");
    var fresh = doc.querySelector("tbody");
    var old = tbody();
    if (!fresh || !old) return;
    var ticked = {}, seen = {};
    rows().forEach(function (tr) { var b = box(tr); seen[refOf(tr)] = true; if (b && b.checked) ticked[refOf(tr)] = true; });
    var focused = document.activeElement && old.contains(document.activeElement) ? document.activeElement.closest("tr") : null;
    var focusRef = focused ? refOf(focused) : null;
    var currentRef = current >= 0 && rows()[current] ? refOf(rows()[current]) : null;
    var added = 0;
    var incoming = Array.prototype.slice.call(fresh.rows);
    incoming.forEach(function (tr) {
      var ref = refOf(tr), b = box(tr);
      if (!seen[ref]) added++;
      if (b && (ticked[ref] || (all && all.checked))) b.checked = true;
    });
    old.replaceChildren.apply(old, incoming.map(function (tr) { return document.importNode(tr, true); }));
    old.setAttribute("data-count", fresh.getAttribute("data-count") || "");
    current = -1;
    rows().forEach(function (tr, i) {
      var ref = refOf(tr);
      if (ref === currentRef) { current = i; tr.classList.add("current"); }
      if (ref === focusRef) { var a = tr.querySelector("a.ref"); if (a) a.focus({ preventScroll: true }); }
    });
    var n = fresh.getAttribute("data-count");
    var count = document.getElementById("queue-count");
    if (count && n) count.textContent = n + (n === "1" ? " ticket" : " tickets");
    if (added > 0) say(added === 1 ? "1 new ticket in this view" : added + " new tickets in this view");
  }
  if (table) {
    var secs = parseInt(table.getAttribute("data-poll"), 10);
    if (!(secs >= 1)) secs = 15;
    window.setInterval(poll, secs * 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
  }

  // Keys.
  function move(by) {
    var rs = rows();
    if (!rs.length) return;
    if (current >= 0 && rs[current]) rs[current].classList.remove("current");
    current = Math.max(0, Math.min(rs.length - 1, current + by));
    var tr = rs[current];
    tr.classList.add("current");
    var a = tr.querySelector("a.ref");
    if (a) a.focus();
    tr.scrollIntoView({ block: "nearest" });
  }
  function currentRow() {
    var rs = rows();
    if (current >= 0 && rs[current]) return rs[current];
    var f = document.activeElement && document.activeElement.closest ? document.activeElement.closest("#queue-rows tr") : null;
    return f || null;
  }
  function openHelp() {
    if (dialog && typeof dialog.showModal === "function" && !dialog.open) dialog.showModal();
  }
  document.querySelectorAll("[data-shortcuts-open]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", openHelp);
  });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName) && t.type !== "checkbox")) return;
    if (dialog && dialog.open) return; // Esc closes it natively
    var tr;
    switch (e.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o":
      case "Enter":
        tr = currentRow();
        if (!tr) return;
        var a = tr.querySelector("a.ref");
        if (!a) return;
        if (e.key === "Enter" && t === a) return; // the link opens itself
        window.location.href = a.href;
        break;
      case "x":
        tr = currentRow();
        var b = tr && box(tr);
        if (!b) return;
        b.checked = !b.checked;
        b.dispatchEvent(new Event("change", { bubbles: true }));
        break;
      case "?": openHelp(); break;
      default: return;
    }
    e.preventDefault();
  });
})();
