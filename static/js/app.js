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
})();
