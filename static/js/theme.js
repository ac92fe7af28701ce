// Runs in <head> before the page is painted, so a dark page never flashes
// light: it marks that scripts run (html.js) and applies the theme chosen
// with the toggle (localStorage "theme"), else the system's.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var chosen = null;
  try { chosen = localStorage.getItem("theme"); } catch (e) { /* storage blocked: follow the system */ }
  var dark = chosen === "dark" || (chosen !== "light" && window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
  root.classList.toggle("dark", dark);
})();
