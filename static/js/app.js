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

  // Interface form: show only the options of the chosen format
  // (<select data-format-select> and blocks marked data-format-options="json").
  function showFormatOptions(root) {
    (root || document).querySelectorAll("select[data-format-select]").forEach(function (sel) {
      var form = sel.closest("form");
      if (!form) return;
      form.querySelectorAll("[data-format-options]").forEach(function (el) {
        el.hidden = el.dataset.formatOptions !== sel.value;
      });
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches("select[data-format-select]")) showFormatOptions(e.target.closest("form"));
  });
  document.addEventListener("DOMContentLoaded", function () { showFormatOptions(); });
  document.addEventListener("htmx:load", function (e) { showFormatOptions(e.target); });

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

  // Uploads: <form data-upload data-csrf="…"> with a file input, a <progress>
  // and a status area. Files chosen or dropped on the form are sent in one
  // multipart request whose progress fills the bar; on success the server
  // answers with HX-Redirect to the folder, on failure with a message.
  function sendUpload(form, files) {
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
    sendUpload(form, form.querySelector("input[type=file]").files);
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
      if (type === "drop" && e.dataTransfer) sendUpload(form, e.dataTransfer.files);
    });
  });
})();
