/* Embeddable donation counter for partner sites: paste one <script> tag and this puts the
   platform's counter frame right after it. The frame is served by the platform itself, so the
   partner's page needs no other scripts and the platform no cross-origin API calls. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var frame = document.createElement("iframe");
  var url = new URL("/widget/counter/", script.src);
  var theme = script.getAttribute("data-theme");
  if (theme) url.searchParams.set("theme", theme);
  frame.src = url.toString();
  frame.title = "Счётчик добрых дел Поколения М";
  frame.loading = "lazy";
  frame.width = script.getAttribute("data-width") || "320";
  frame.height = script.getAttribute("data-height") || "150";
  frame.style.border = "0";
  frame.style.maxWidth = "100%";
  script.parentNode.insertBefore(frame, script.nextSibling);
})();
