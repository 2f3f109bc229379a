// ticket.js enhances the ticket page: who else has the ticket open or is
// typing, a notice when it changed since the page was loaded, the macro
// picker (m, type to filter, Enter inserts) and keyboard shortcuts. The
// page works without it: the server still refuses a stale submit and
// shows what changed.
(function () {
  "use strict";
  var head = document.getElementById("ticket-head");
  var form = document.getElementById("reply-form");
  if (!head || !form) { return; }
  var ref = head.getAttribute("data-ref");
  var loadedAt = parseInt(head.getAttribute("data-version"), 10) || 0;
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var body = document.getElementById("reply-body");
  var presence = document.getElementById("presence");
  var changed = document.getElementById("changed");
  var changesList = document.getElementById("changes-list");
  var showChanges = document.getElementById("show-changes");
  var lastTyped = 0;
  var BEAT_MS = 10000;

  // Presence: a heartbeat every 10 s says whether this agent is typing and
  // hears who else is here and what changed since the page was loaded.
  body.addEventListener("input", function () {
    var first = Date.now() - lastTyped > BEAT_MS;
    lastTyped = Date.now();
    if (first) { beat(); } // others learn at once that someone started typing
  });

  function names(list) {
    if (list.length === 1) { return list[0]; }
    return list.slice(0, -1).join(", ") + " and " + list[list.length - 1];
  }

  function showPresence(others) {
    var typing = [], viewing = [];
    others.forEach(function (o) { (o.typing ? typing : viewing).push(o.name); });
    var parts = [];
    if (typing.length) { parts.push(names(typing) + (typing.length === 1 ? " is" : " are") + " typing a reply"); }
    if (viewing.length) { parts.push(names(viewing) + (viewing.length === 1 ? " is" : " are") + " viewing this ticket"); }
    presence.textContent = parts.join("; ");
    presence.classList.toggle("typing", typing.length > 0);
  }

  function showChanged(changes) {
    if (!changes.length) { return; }
    changed.hidden = false;
    changesList.textContent = "";
    changes.forEach(function (c) {
      var li = document.createElement("li");
      var w = document.createElement("strong");
      w.textContent = c.words;
      li.appendChild(w);
      li.appendChild(document.createTextNode(" · " + c.when));
      if (c.body) {
        var q = document.createElement("blockquote");
        q.className = "ev-body";
        q.textContent = c.body;
        li.appendChild(q);
      }
      changesList.appendChild(li);
    });
    var reload = document.createElement("li");
    var a = document.createElement("a");
    a.href = "/tickets/" + encodeURIComponent(ref) + "?since=" + loadedAt + "#timeline";
    a.textContent = "Reload the page with them marked (copy what you typed first)";
    reload.appendChild(a);
    changesList.appendChild(reload);
  }

  showChanges.addEventListener("click", function () {
    var open = changesList.hidden;
    changesList.hidden = !open;
    showChanges.setAttribute("aria-expanded", open ? "true" : "false");
    showChanges.textContent = open ? "Hide changes" : "Show changes";
  });

  var inFlight = false;
  function beat() {
    if (inFlight) { return; }
    inFlight = true;
    var data = new URLSearchParams();
    data.set("csrf_token", csrf);
    data.set("typing", Date.now() - lastTyped < BEAT_MS + 2000 ? "1" : "0");
    data.set("since", String(loadedAt));
    fetch("/tickets/" + encodeURIComponent(ref) + "/presence", {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (r) {
      if (!r.ok) { throw new Error("presence " + r.status); }
      return r.json();
    }).then(function (a) {
      showPresence(a.others || []);
      showChanged(a.changes || []);
    }).catch(function () { /* the next beat tries again */ })
      .then(function () { inFlight = false; });
  }
  beat();
  setInterval(beat, BEAT_MS);
  // Back on the tab: find out at once rather than at the next beat.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { beat(); }
  });
  window.addEventListener("pagehide", function () {
    var data = new FormData();
    data.set("csrf_token", csrf);
    if (navigator.sendBeacon) { navigator.sendBeacon("/tickets/" + encodeURIComponent(ref) + "/presence/leave", data); }
  });

  // Reply or note: the mode says which button Ctrl+Enter presses.
  var card = document.getElementById("reply");
  var modeLabel = document.getElementById("mode-label");
  function mode(note) {
    card.classList.toggle("note-mode", note);
    modeLabel.textContent = note ? "internal note, staff only" : "to the requester";
  }
  function focusBody(note) {
    mode(note);
    card.scrollIntoView({ block: "center" });
    body.focus();
  }
  body.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      var btn = document.getElementById(card.classList.contains("note-mode") ? "add-note" : "send-reply");
      if (form.requestSubmit) { form.requestSubmit(btn); } else { btn.click(); }
    }
  });
  document.getElementById("jump-reply").addEventListener("click", function (e) {
    e.preventDefault();
    focusBody(false);
  });

  // Macros: the select's options carry each macro's text, expanded for
  // this ticket; inserting fills the reply box and keeps the choice, so
  // the macro's actions apply on send.
  var select = document.getElementById("macro");
  var actions = document.getElementById("macro-actions");
  var picker = document.getElementById("macro-picker");
  function insertMacro(id) {
    var opt = null;
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === id) { opt = select.options[i]; }
    }
    if (!opt || !opt.value) { return; }
    select.value = opt.value;
    var text = opt.getAttribute("data-text");
    var cur = body.value.replace(/\s+$/, "");
    body.value = cur ? cur + "\n\n" + text : text;
    var act = opt.getAttribute("data-actions");
    actions.textContent = act ? "On send, this macro " + act + "." : "";
    mode(false);
    body.focus();
    body.setSelectionRange(body.value.length, body.value.length);
  }
  if (select) {
    select.addEventListener("change", function () {
      var opt = select.options[select.selectedIndex];
      var act = opt && opt.getAttribute("data-actions");
      actions.textContent = act ? "On send, this macro " + act + "." : "";
    });
    document.getElementById("insert-macro").addEventListener("click", function (e) {
      e.preventDefault();
      insertMacro(select.value);
    });
  }
  var filter = document.getElementById("macro-filter");
  var list = document.getElementById("macro-options");
  var active = 0;
  function matches() {
    var q = filter.value.trim().toLowerCase();
    var out = [];
    for (var i = 0; i < select.options.length; i++) {
      var o = select.options[i];
      if (o.value && o.textContent.toLowerCase().indexOf(q) >= 0) { out.push(o); }
    }
    return out;
  }
  function drawPicker() {
    var ms = matches();
    if (active >= ms.length) { active = Math.max(0, ms.length - 1); }
    list.textContent = "";
    ms.forEach(function (o, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = "macro-option-" + o.value;
      li.setAttribute("aria-selected", i === active ? "true" : "false");
      li.dataset.id = o.value;
      var n = document.createElement("strong");
      n.textContent = o.textContent;
      li.appendChild(n);
      var t = document.createElement("span");
      t.className = "muted";
      t.textContent = " " + o.getAttribute("data-text").slice(0, 80);
      li.appendChild(t);
      li.addEventListener("click", function () { closePicker(); insertMacro(o.value); });
      list.appendChild(li);
    });
    if (!ms.length) {
      var none = document.createElement("li");
      none.setAttribute("role", "option");
      none.setAttribute("aria-disabled", "true");
      none.textContent = "No macro matches “" + filter.value + "”.";
      list.appendChild(none);
      filter.removeAttribute("aria-activedescendant");
    } else {
      filter.setAttribute("aria-activedescendant", "macro-option-" + ms[active].value);
    }
  }
  function openPicker() {
    if (!picker || !select) { return; }
    filter.value = "";
    active = 0;
    drawPicker();
    if (picker.showModal) { picker.showModal(); } else { picker.setAttribute("open", ""); }
    filter.focus();
  }
  function closePicker() {
    if (picker.close) { picker.close(); } else { picker.removeAttribute("open"); }
  }
  if (picker) {
    filter.addEventListener("input", function () { active = 0; drawPicker(); });
    filter.addEventListener("keydown", function (e) {
      var ms = matches();
      if (e.key === "ArrowDown") { e.preventDefault(); active = Math.min(active + 1, ms.length - 1); drawPicker(); }
      if (e.key === "ArrowUp") { e.preventDefault(); active = Math.max(active - 1, 0); drawPicker(); }
      if (e.key === "Enter") {
        e.preventDefault();
        if (ms.length) { closePicker(); insertMacro(ms[active].value); }
      }
    });
  }

  // Shortcuts, when not typing in a field: r reply, n note, m macro, a
  // assign to me, j/k next/previous ticket, ? the list.
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) { return; }
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
    if (picker && picker.open) { return; }
    var go = function (id) { var a = document.getElementById(id); if (a) { window.location.href = a.href; } };
    switch (e.key) {
      case "r": e.preventDefault(); focusBody(false); break;
      case "n": e.preventDefault(); focusBody(true); break;
      case "m": if (select) { e.preventDefault(); openPicker(); } break;
      case "a": var b = document.getElementById("assign-me"); if (b && !b.disabled) { e.preventDefault(); b.click(); } break;
      case "j": e.preventDefault(); go("next-ticket"); break;
      case "k": e.preventDefault(); go("prev-ticket"); break;
      case "?":
        e.preventDefault();
        var d = document.getElementById("shortcuts");
        d.open = !d.open;
        if (d.open) { d.querySelector("summary").focus(); d.scrollIntoView({ block: "nearest" }); }
        break;
    }
  });
})();
