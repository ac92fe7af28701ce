// Flowbatch's own behaviour: small, progressive, and loaded with CSP script-src 'self'.
(function () {
  "use strict";

  // Main navigation on a phone: a disclosure button (aria-expanded,
  // aria-controls) shows and hides the panel; Escape inside it closes it and
  // gives the focus back to the button.
  function setNav(button, open) {
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) panel.setAttribute("data-open", ""); else panel.removeAttribute("data-open");
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-nav-toggle]");
    if (button) setNav(button, button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape" || !e.target.closest) return;
    var panel = e.target.closest("#nav-panel[data-open]");
    if (!panel) return;
    var button = document.querySelector("[data-nav-toggle][aria-controls='" + panel.id + "']");
    if (!button || getComputedStyle(button).display === "none") return;
    setNav(button, false);
    button.focus();
  });

  // Theme toggle: the choice is kept in localStorage ("theme"), which
  // theme.js reads in <head> before the next page is painted.
  function showThemeToggles() {
    var dark = document.documentElement.classList.contains("dark");
    document.querySelectorAll("[data-theme-toggle]").forEach(function (b) {
      b.hidden = false;
      b.setAttribute("aria-pressed", dark ? "true" : "false");
    });
  }
  document.addEventListener("click", function (e) {
    if (!e.target.closest("[data-theme-toggle]")) return;
    var dark = !document.documentElement.classList.contains("dark");
    document.documentElement.classList.toggle("dark", dark);
    try { localStorage.setItem("theme", dark ? "dark" : "light"); } catch (err) { /* kept for this page only */ }
    showThemeToggles();
  });
  document.addEventListener("DOMContentLoaded", showThemeToggles);
  // Without a stored choice the page follows the system as it changes.
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function (e) {
      var chosen = null;
      try { chosen = localStorage.getItem("theme"); } catch (err) { /* follow the system */ }
      if (chosen) return;
      document.documentElement.classList.toggle("dark", e.matches);
      showThemeToggles();
    });
  }

  // Confirmations (hx-confirm) in a styled <dialog> instead of the browser's
  // confirm(): the question is the text; the confirming button is named by
  // the question's first word (Delete, Archive, Revoke, Cancel).
  function askConfirm(question, onConfirm) {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || !dialog.showModal) return false;
    var verb = (question.match(/^[A-Z][a-z]+/) || ["Confirm"])[0];
    var ok = dialog.querySelector("[data-confirm-ok]");
    var cancel = dialog.querySelector("[data-confirm-cancel]");
    ok.textContent = verb === "Cancel" ? "Cancel batch" : verb;
    cancel.textContent = verb === "Cancel" ? "Keep running" : "Cancel";
    document.getElementById("confirm-dialog-title").textContent = verb === "Confirm" ? "Are you sure?" : verb + "?";
    document.getElementById("confirm-dialog-text").textContent = question;
    var opener = document.activeElement;
    dialog.returnValue = "";
    dialog.addEventListener("close", function () {
      if (dialog.returnValue === "ok") onConfirm();
      // The opener (a menu item) may be hidden now: give the focus to its menu's button.
      var menu = opener && opener.closest && opener.closest("[data-menu]");
      var back = menu ? menu.querySelector("[data-menu-button]") : opener;
      if (back && back.isConnected && back.focus) back.focus();
    }, { once: true });
    dialog.showModal();
    cancel.focus();
    return true;
  }
  // A live fragment (an SSE event, a reload) may replace the asking element
  // while the dialog is open, and htmx sends nothing for an element no
  // longer in the page: the request then goes out from the element that
  // took its place, asked already.
  var asked = null;
  document.addEventListener("htmx:confirm", function (e) {
    if (!e.detail.question) return;
    e.preventDefault();
    if (e.detail.elt === asked) {
      asked = null;
      e.detail.issueRequest(true);
      return;
    }
    var shown = askConfirm(e.detail.question, function () {
      var elt = e.detail.elt;
      var now = elt.isConnected ? null : document.querySelector("[hx-" + e.detail.verb + '="' + CSS.escape(e.detail.path) + '"]');
      if (!now) return e.detail.issueRequest(true);
      asked = now;
      htmx.ajax(e.detail.verb, e.detail.path, { source: now });
    });
    if (!shown && window.confirm(e.detail.question)) e.detail.issueRequest(true);
  });

  // Toasts: a response header HX-Trigger {"toast":{"message","kind"}} (set
  // by app/toast.go) shows a message in the polite live region #toasts for
  // six seconds. An answer that redirects passes it on to the next page
  // through sessionStorage.
  function showToast(message, kind) {
    var region = document.getElementById("toasts");
    var tpl = document.getElementById("toast-template");
    if (!region || !tpl || !message) return;
    var el = tpl.content.firstElementChild.cloneNode(true);
    el.setAttribute("data-toast", "");
    // kind: success, info, or a batch's ending tone (warning, error).
    if (kind === "warning" || kind === "error") el.classList.add("toast-" + kind);
    el.querySelector(kind === "success" ? ".toast-icon-info" : ".toast-icon-success").remove();
    el.querySelector(".toast-message").textContent = message;
    region.appendChild(el);
    setTimeout(function () { el.remove(); }, 6000);
  }
  var redirecting = false;
  document.addEventListener("htmx:beforeOnLoad", function (e) {
    var xhr = e.detail.xhr;
    redirecting = !!(xhr && xhr.getResponseHeader("HX-Redirect"));
    if (!redirecting) return;
    try { sessionStorage.setItem("focusHeading", "1"); } catch (err) { /* the focus stays at the top */ }
    try {
      var t = JSON.parse(xhr.getResponseHeader("HX-Trigger") || "{}").toast;
      if (t) sessionStorage.setItem("toast", JSON.stringify(t));
    } catch (err) { /* no toast to pass on */ }
  });
  document.addEventListener("toast", function (e) {
    if (!redirecting) showToast(e.detail.message, e.detail.kind);
  });
  document.addEventListener("click", function (e) {
    var close = e.target.closest("[data-toast-close]");
    if (close) close.closest(".toast").remove();
  });
  // A page reached through an htmx redirect (a wizard step that created the
  // batch) is a continuation too: its heading takes the focus.
  document.addEventListener("DOMContentLoaded", function () {
    var go = null;
    try {
      go = sessionStorage.getItem("focusHeading");
      sessionStorage.removeItem("focusHeading");
    } catch (err) { /* none */ }
    var heading = go && document.querySelector("[data-autofocus-heading]");
    if (heading) heading.focus();
  });
  document.addEventListener("DOMContentLoaded", function () {
    var t = null;
    try {
      t = JSON.parse(sessionStorage.getItem("toast") || "null");
      sessionStorage.removeItem("toast");
    } catch (err) { /* none */ }
    // Let the live region exist empty first, so the message is announced.
    if (t) setTimeout(function () { showToast(t.message, t.kind); }, 100);
  });

  // After htmx swaps in a new step (the wizard), the focus would stay on a
  // button that is gone, i.e. on <body>: it moves to the step's heading
  // ([data-autofocus-heading], tabindex=-1), or to the first invalid field
  // when the step came back with messages.
  document.addEventListener("htmx:afterSwap", function (e) {
    var root = e.detail.target;
    // An outerHTML swap leaves the old target detached: take its successor.
    if (root && !root.isConnected) root = root.id ? document.getElementById(root.id) : null;
    if (!root) return;
    var invalid = root.querySelector("[aria-invalid=true]");
    var target = invalid || root.querySelector("[data-autofocus-heading]");
    if (target) target.focus();
  });

  // The report's progress panel, pushed by the stream, is announced in a
  // polite live region: a status change at once, progress at most every
  // 15 seconds, so a screen reader is not talked over. (htmx:load, not
  // htmx:sseMessage: the extension fires that on the replaced, detached
  // element, from where it never reaches the document.)
  var announced = null;
  function progressText(panel) {
    var badge = panel.querySelector("[data-status]");
    if (!badge) return null;
    var text = "Status " + badge.getAttribute("data-status");
    var bar = panel.querySelector("progress");
    if (bar && bar.max > 0) text += ", " + Math.floor((bar.value / bar.max) * 100) + "% processed";
    return { status: badge.getAttribute("data-status"), text: text + "." };
  }
  document.addEventListener("htmx:load", function (e) {
    var panel = e.target;
    if (!panel.matches || !panel.matches("section[sse-swap=progress]")) {
      panel = panel.querySelector && panel.querySelector("section[sse-swap=progress]");
      // The page itself: what it shows needs no announcing.
      if (panel && !announced) announced = Object.assign({ at: 0 }, progressText(panel));
      return;
    }
    var region = document.getElementById("announcer");
    var now = progressText(panel);
    if (!region || !now) return;
    if (announced && (now.text === announced.text ||
        (now.status === announced.status && Date.now() - announced.at < 15000))) return;
    region.textContent = now.text;
    announced = Object.assign({ at: Date.now() }, now);
  });

  // Copy buttons: <button data-copy="text"> or data-copy-target="#id". A
  // button with data-copied (an icon, named by aria-label) says so in a toast.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-copy],[data-copy-target]");
    if (!btn) return;
    var text = btn.dataset.copy;
    if (btn.dataset.copyTarget) {
      var el = document.querySelector(btn.dataset.copyTarget);
      text = el ? (el.value !== undefined ? el.value : el.textContent) : "";
    }
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).then(function () {
        if (btn.dataset.copied) return showToast(btn.dataset.copied, "success");
        var old = btn.textContent;
        btn.textContent = "Copied";
        setTimeout(function () { btn.textContent = old; }, 1500);
      });
    }
  });

  // Interface form: show only the options of the chosen format
  // (<select data-format-select> and blocks marked data-format-options="csv xlsx",
  // the formats they apply to). The blocks carry no display class of their own:
  // one (a grid) would beat the hidden attribute.
  function showFormatOptions(root) {
    (root || document).querySelectorAll("select[data-format-select]").forEach(function (sel) {
      var form = sel.closest("form");
      if (!form) return;
      form.querySelectorAll("[data-format-options]").forEach(function (el) {
        el.hidden = el.dataset.formatOptions.split(" ").indexOf(sel.value) < 0;
      });
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches("select[data-format-select]")) showFormatOptions(e.target.closest("form"));
  });
  document.addEventListener("DOMContentLoaded", function () { showFormatOptions(); });
  document.addEventListener("htmx:load", function (e) { showFormatOptions(e.target); });

  // Times: the server writes every <time datetime> in UTC, which stays as
  // it is without scripts. Here it is shown in the reader's time zone and
  // locale, with the full moment and zone in the title; <time data-relative>
  // reads "5 minutes ago" instead. Swapped-in content (htmx, SSE) too.
  var dateTimeFormat = { dateStyle: "medium", timeStyle: "medium" };
  var titleFormat = { dateStyle: "full", timeStyle: "long" };
  function relative(el) {
    var t = Date.parse(el.getAttribute("datetime"));
    if (isNaN(t)) return;
    var s = Math.round((Date.now() - t) / 1000);
    var out;
    if (s < 45) out = "just now";
    else if (s < 90) out = "a minute ago";
    else if (s < 3600) out = Math.round(s / 60) + " minutes ago";
    else if (s < 5400) out = "an hour ago";
    else if (s < 86400) out = Math.round(s / 3600) + " hours ago";
    else if (s < 172800) out = "yesterday";
    else out = Math.round(s / 86400) + " days ago";
    el.textContent = out;
  }
  function localTime(el) {
    var t = Date.parse(el.getAttribute("datetime"));
    if (isNaN(t)) return;
    if (el.hasAttribute("data-relative")) {
      relative(el);
    } else if (!el.hasAttribute("data-local")) {
      // Times written without seconds keep without them.
      var opts = /\d:\d\d:\d\d/.test(el.textContent) ? dateTimeFormat : { dateStyle: "medium", timeStyle: "short" };
      el.textContent = new Intl.DateTimeFormat(undefined, opts).format(new Date(t));
    }
    if (!el.hasAttribute("data-local")) {
      el.title = new Intl.DateTimeFormat(undefined, titleFormat).format(new Date(t));
      el.setAttribute("data-local", "");
    }
  }
  function localTimes(root) {
    (root && root.querySelectorAll ? root : document).querySelectorAll("time[datetime]").forEach(localTime);
  }
  document.addEventListener("DOMContentLoaded", function () { localTimes(); });
  document.addEventListener("htmx:load", function (e) { localTimes(e.target.parentNode || e.target); });
  document.addEventListener("htmx:afterSwap", function () { localTimes(); });
  document.addEventListener("htmx:sseMessage", function () { localTimes(); });
  setInterval(function () { document.querySelectorAll("time[datetime][data-relative]").forEach(relative); }, 30000);

  // Uploads: <form data-upload data-csrf="…"> with a file input, a <progress>
  // and a status area. Files chosen or dropped on the form are sent in one
  // multipart request whose progress fills the bar; on success the server
  // answers with HX-Redirect to the folder, on failure with a message.
  function sendFiles(form, files) {
    if (!files || files.length === 0) return;
    var data = new FormData();
    for (var i = 0; i < files.length; i++) data.append("file", files[i], files[i].name);
    var bar = form.querySelector("progress");
    var status = form.querySelector("#upload-status");
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("X-CSRF-Token", form.dataset.csrf || "");
    xhr.setRequestHeader("HX-Request", "true");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable && bar) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener("load", function () {
      if (button) button.disabled = false;
      var to = xhr.getResponseHeader("HX-Redirect");
      if (xhr.status >= 200 && xhr.status < 300) {
        var trigger = xhr.getResponseHeader("HX-Trigger");
        try {
          var t = trigger && JSON.parse(trigger).toast;
          if (t) sessionStorage.setItem("toast", JSON.stringify(t));
        } catch (err) { /* no toast */ }
        window.location.assign(to || window.location.href);
        return;
      }
      if (bar) bar.classList.add("hidden");
      if (status) {
        // The answer is a server-rendered, escaped error fragment.
        status.innerHTML = xhr.responseText;
      }
    });
    xhr.addEventListener("error", function () {
      if (button) button.disabled = false;
      if (bar) bar.classList.add("hidden");
      if (status) status.textContent = "The upload did not reach the server. Check your connection and try again.";
    });
    if (bar) { bar.value = 0; bar.classList.remove("hidden"); }
    if (status) status.textContent = "Uploading " + files.length + (files.length === 1 ? " file…" : " files…");
    if (button) button.disabled = true;
    xhr.send(data);
  }

  document.addEventListener("submit", function (e) {
    var form = e.target.closest("form[data-upload]");
    if (!form) return;
    e.preventDefault();
    sendFiles(form, form.querySelector("input[type=file]").files);
  });
  ["dragenter", "dragover"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      var form = e.target.closest && e.target.closest("form[data-upload]");
      if (!form) return;
      e.preventDefault();
      form.classList.add("border-indigo-500", "bg-indigo-50");
    });
  });
  // A file dropped beside the upload zone would make the browser open it,
  // leaving the page: on pages with an upload zone, such drops do nothing.
  ["dragover", "drop"].forEach(function (type) {
    window.addEventListener(type, function (e) {
      if (document.querySelector("form[data-upload]") && !(e.target.closest && e.target.closest("form[data-upload]"))) {
        e.preventDefault();
      }
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      var form = e.target.closest && e.target.closest("form[data-upload]");
      if (!form) return;
      e.preventDefault();
      form.classList.remove("border-indigo-500", "bg-indigo-50");
      if (type === "drop" && e.dataTransfer) sendFiles(form, e.dataTransfer.files);
    });
  });

  // Config menus: <div data-menu> with a [data-menu-button] (aria-haspopup="menu")
  // and a [role=menu] of [role=menuitem]. Enter, Space or the arrows open it,
  // the arrows, Home and End move, Escape and Tab close it, focus returns to the button.
  function menuParts(root) {
    var button = root.querySelector("[data-menu-button]");
    var menu = root.querySelector("[role=menu]");
    return { button: button, menu: menu, items: Array.prototype.slice.call(menu.querySelectorAll("[role=menuitem]")) };
  }
  // An open menu is placed beside its button in the viewport (position
  // fixed), so a table that scrolls sideways cannot clip it; it opens to the
  // left of the button's right edge, clamped inside the screen, and upwards
  // when there is no room below.
  function placeMenu(root) {
    var p = menuParts(root);
    var b = p.button.getBoundingClientRect();
    var m = p.menu;
    var edge = 8, gap = 4;
    var vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
    m.style.position = "fixed";
    m.style.right = "auto";
    m.style.margin = "0";
    var w = m.offsetWidth, h = m.offsetHeight;
    var left = Math.max(edge, Math.min(b.right - w, vw - w - edge));
    var top = b.bottom + gap;
    if (top + h > vh - edge && b.top - gap - h >= edge) top = b.top - gap - h;
    m.style.left = left + "px";
    m.style.top = top + "px";
  }
  function placeOpenMenus() {
    document.querySelectorAll("[data-menu]").forEach(function (root) {
      if (!menuParts(root).menu.hidden) placeMenu(root);
    });
  }
  window.addEventListener("resize", placeOpenMenus);
  document.addEventListener("scroll", placeOpenMenus, true);
  function openMenu(root, focusIndex) {
    closeAllMenus(root);
    var p = menuParts(root);
    p.menu.hidden = false;
    placeMenu(root);
    p.button.setAttribute("aria-expanded", "true");
    if (p.items.length) {
      var i = focusIndex < 0 ? p.items.length - 1 : focusIndex;
      p.items[i].focus();
    }
  }
  function closeMenu(root, returnFocus) {
    var p = menuParts(root);
    if (p.menu.hidden) return;
    p.menu.hidden = true;
    p.button.setAttribute("aria-expanded", "false");
    if (returnFocus) p.button.focus();
  }
  function closeAllMenus(except) {
    document.querySelectorAll("[data-menu]").forEach(function (m) {
      if (m !== except) closeMenu(m, false);
    });
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-menu-button]");
    if (button) {
      var root = button.closest("[data-menu]");
      if (menuParts(root).menu.hidden) openMenu(root, 0); else closeMenu(root, true);
      return;
    }
    var item = e.target.closest("[data-menu] [role=menuitem]");
    if (item) {
      closeMenu(item.closest("[data-menu]"), false);
      return;
    }
    closeAllMenus(null);
  });
  document.addEventListener("keydown", function (e) {
    var button = e.target.closest && e.target.closest("[data-menu-button]");
    if (button) {
      var root = button.closest("[data-menu]");
      if (e.key === "Enter" || e.key === " " || e.key === "ArrowDown") {
        e.preventDefault();
        openMenu(root, 0);
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        openMenu(root, -1);
      } else if (e.key === "Escape") {
        closeMenu(root, true);
      }
      return;
    }
    var item = e.target.closest && e.target.closest("[data-menu] [role=menuitem]");
    if (!item) return;
    var menuRoot = item.closest("[data-menu]");
    var items = menuParts(menuRoot).items;
    var i = items.indexOf(item);
    switch (e.key) {
      case "ArrowDown": e.preventDefault(); items[(i + 1) % items.length].focus(); break;
      case "ArrowUp": e.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); break;
      case "Home": e.preventDefault(); items[0].focus(); break;
      case "End": e.preventDefault(); items[items.length - 1].focus(); break;
      case "Escape": e.preventDefault(); closeMenu(menuRoot, true); break;
      case "Tab": closeMenu(menuRoot, false); break;
      case " ": e.preventDefault(); item.click(); break;
    }
  });

  // A live update replaces a row while someone may be using its menu: keep
  // the menu open and the focus where it was.
  document.addEventListener("htmx:sseBeforeMessage", function (e) {
    var active = document.activeElement;
    if (!e.target.contains || !active || !e.target.contains(active)) return;
    var root = active.closest("[data-menu]");
    if (!root) return;
    var p = menuParts(root);
    var keep = { button: p.button.id, item: p.items.indexOf(active), open: !p.menu.hidden };
    setTimeout(function () {
      var button = document.getElementById(keep.button);
      if (!button) return;
      var newRoot = button.closest("[data-menu]");
      var items = menuParts(newRoot).items;
      if (keep.open && items.length) openMenu(newRoot, Math.max(0, Math.min(keep.item, items.length - 1)));
      else button.focus();
    }, 0);
  });

  // A report watching its batch says when the batch ends: a toast, and the
  // tab's title, so that a person working in another tab sees it too.
  var baseTitle = document.title;
  // The report's details listen to the stream's "status" event (hx-trigger
  // sse:status), for which the SSE extension fires htmx:sseMessage.
  document.addEventListener("htmx:sseMessage", function (e) {
    if (!e.detail || e.detail.type !== "status") return;
    var status = e.detail.data;
    if (status !== "FINISHED" && status !== "ERROR") return;
    var heading = document.querySelector("main h1");
    var name = heading ? heading.textContent.trim() : "The batch";
    var outcome = document.querySelector("[data-outcome]");
    var kind = outcome ? outcome.getAttribute("data-outcome") : "";
    var note = document.querySelector("[data-outcome-text]");
    var text = "“" + name + "” " + (kind === "cancelled" ? "was cancelled" : status === "FINISHED" ? "finished" : "ended with an error");
    if (note && kind !== "cancelled") text += ": " + note.textContent.trim();
    document.title = (status === "FINISHED" && kind === "clean" ? "✓ " : "! ") + status + " · " + baseTitle;
    showToast(text, kind === "clean" ? "success" : kind === "with_errors" ? "warning" : "error");
  });

  // A page kept in the back/forward cache keeps its live streams open, and
  // the browser's six connections per server run out: after a few live
  // pages the next page never loads. Leaving such a page closes its streams
  // (the SSE extension closes an element's stream on the cleanup event htmx
  // sends before removing it); coming back to it loads it again, live.
  window.addEventListener("pagehide", function (e) {
    var streams = document.querySelectorAll("[sse-connect]");
    if (!e.persisted || !streams.length) return;
    document.documentElement.setAttribute("data-streams-closed", "");
    streams.forEach(function (el) { htmx.trigger(el, "htmx:beforeCleanupElement"); });
  });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted && document.documentElement.hasAttribute("data-streams-closed")) location.reload();
  });

  // Interface picker: choosing an interface preselects its flow.
  document.addEventListener("change", function (e) {
    var sel = e.target.closest("select[data-flow-target]");
    if (!sel) return;
    var opt = sel.options[sel.selectedIndex];
    var flow = document.querySelector(sel.dataset.flowTarget);
    if (flow && opt) flow.value = opt.dataset.flow || "";
  });

  // Batch wizard upload (data-batch-upload, apart from the file manager's
  // data-upload): a file chosen or dropped is sent at once with
  // XMLHttpRequest, which reports upload progress; the answer's HX-Redirect
  // leads to the next step.
  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (err) {
      return "";
    }
  }
  function humanBytes(n) {
    var units = ["B", "KiB", "MiB", "GiB", "TiB"];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
  }
  function sendBatchInput(form, file) {
    var status = form.querySelector("[data-upload-status]");
    var bar = form.querySelector("[data-upload-progress]");
    var label = form.querySelector("[data-upload-label]");
    var errBox = form.querySelector("[data-upload-error]");
    errBox.innerHTML = "";
    status.classList.remove("hidden");
    label.textContent = "Uploading " + file.name + " (" + humanBytes(file.size) + ")…";
    bar.max = file.size || 1;
    bar.value = 0;
    var data = new FormData();
    data.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.setRequestHeader("HX-Request", "true");
    xhr.upload.addEventListener("progress", function (ev) {
      if (ev.lengthComputable) {
        bar.max = ev.total;
        bar.value = ev.loaded;
        label.textContent = "Uploading " + file.name + ": " + humanBytes(ev.loaded) + " of " + humanBytes(ev.total);
      }
    });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 200 && xhr.status < 300) {
        label.textContent = "Uploaded " + file.name + " (" + humanBytes(file.size) + ").";
        window.location.assign(xhr.getResponseHeader("HX-Redirect") || form.dataset.next);
        return;
      }
      status.classList.add("hidden");
      errBox.innerHTML = xhr.responseText; // our own error fragment
    });
    xhr.addEventListener("error", function () {
      status.classList.add("hidden");
      errBox.textContent = "The upload failed: the connection was lost. Try again.";
    });
    xhr.send(data);
  }
  document.addEventListener("change", function (e) {
    var input = e.target.closest("form[data-batch-upload] input[type=file]");
    if (input && input.files.length) sendBatchInput(input.form, input.files[0]);
  });
  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (e) {
      var zone = e.target.closest && e.target.closest("[data-batch-dropzone]");
      if (!zone) return;
      e.preventDefault();
      zone.classList.add("dropzone-active");
    });
  });
  document.addEventListener("dragleave", function (e) {
    var zone = e.target.closest && e.target.closest("[data-batch-dropzone]");
    if (zone) zone.classList.remove("dropzone-active");
  });
  // A file dropped beside the wizard's drop zone would make the browser open
  // it, leaving the wizard: such drops do nothing.
  ["dragover", "drop"].forEach(function (type) {
    window.addEventListener(type, function (e) {
      if (document.querySelector("[data-batch-dropzone]") && !(e.target.closest && e.target.closest("[data-batch-dropzone]"))) {
        e.preventDefault();
      }
    });
  });
  document.addEventListener("drop", function (e) {
    var zone = e.target.closest && e.target.closest("[data-batch-dropzone]");
    if (!zone) return;
    e.preventDefault();
    zone.classList.remove("dropzone-active");
    if (e.dataTransfer.files.length) sendBatchInput(zone.closest("form"), e.dataTransfer.files[0]);
  });
})();
