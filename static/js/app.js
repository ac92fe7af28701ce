// Flowbatch's own behaviour: small, progressive, and loaded with CSP script-src 'self'.
(function () {
  "use strict";

  // Copy buttons: <button data-copy="text"> or data-copy-target="#id".
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
        var old = btn.textContent;
        btn.textContent = "Copied";
        setTimeout(function () { btn.textContent = old; }, 1500);
      });
    }
  });

  // Relative times: <time datetime="..." data-relative>.
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
  function relativeAll(root) {
    (root || document).querySelectorAll("time[data-relative]").forEach(relative);
  }
  document.addEventListener("DOMContentLoaded", function () { relativeAll(); });
  document.addEventListener("htmx:load", function (e) { relativeAll(e.target); });
  setInterval(relativeAll, 30000);
  // Config menus: <div data-menu> with a [data-menu-button] (aria-haspopup="menu")
  // and a [role=menu] of [role=menuitem]. Enter, Space or the arrows open it,
  // the arrows, Home and End move, Escape and Tab close it, focus returns to the button.
  function menuParts(root) {
    var button = root.querySelector("[data-menu-button]");
    var menu = root.querySelector("[role=menu]");
    return { button: button, menu: menu, items: Array.prototype.slice.call(menu.querySelectorAll("[role=menuitem]")) };
  }
  function openMenu(root, focusIndex) {
    closeAllMenus(root);
    var p = menuParts(root);
    p.menu.hidden = false;
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

  // Interface picker: choosing an interface preselects its flow.
  document.addEventListener("change", function (e) {
    var sel = e.target.closest("select[data-flow-target]");
    if (!sel) return;
    var opt = sel.options[sel.selectedIndex];
    var flow = document.querySelector(sel.dataset.flowTarget);
    if (flow && opt) flow.value = opt.dataset.flow || "";
  });

  // Wizard upload: a file chosen or dropped is sent at once with
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
  function sendUpload(form, file) {
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
    var input = e.target.closest("form[data-upload] input[type=file]");
    if (input && input.files.length) sendUpload(input.form, input.files[0]);
  });
  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (e) {
      var zone = e.target.closest && e.target.closest("[data-dropzone]");
      if (!zone) return;
      e.preventDefault();
      zone.classList.add("dropzone-active");
    });
  });
  document.addEventListener("dragleave", function (e) {
    var zone = e.target.closest && e.target.closest("[data-dropzone]");
    if (zone) zone.classList.remove("dropzone-active");
  });
  document.addEventListener("drop", function (e) {
    var zone = e.target.closest && e.target.closest("[data-dropzone]");
    if (!zone) return;
    e.preventDefault();
    zone.classList.remove("dropzone-active");
    if (e.dataTransfer.files.length) sendUpload(zone.closest("form"), e.dataTransfer.files[0]);
  });
})();
