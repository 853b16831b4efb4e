/* The live donation counter. The server renders the number; this polls the counter API every few
   seconds and animates a change (or just swaps it when the visitor prefers reduced motion). */
(function () {
  "use strict";
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function format(kopecks) {
    var whole = Math.floor(kopecks / 100);
    return String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0") + "\u00a0₽";
  }

  function animate(counter, output, from, to) {
    if (reduceMotion || from === null) {
      output.textContent = format(to);
      return;
    }
    var start = null;
    var duration = 900;
    function step(now) {
      if (start === null) start = now;
      var t = Math.min(1, (now - start) / duration);
      var eased = 1 - Math.pow(1 - t, 3);
      output.textContent = format(Math.round(from + (to - from) * eased));
      if (t < 1) window.requestAnimationFrame(step);
    }
    counter.classList.remove("counter--bump");
    void counter.offsetWidth; // restart the CSS animation
    counter.classList.add("counter--bump");
    window.requestAnimationFrame(step);
  }

  function setup(counter) {
    var output = counter.querySelector("[data-counter-value]");
    var field = counter.getAttribute("data-counter-field") || "raised_kopecks";
    var interval = parseInt(counter.getAttribute("data-counter-interval") || "5000", 10);
    var current = parseInt(counter.getAttribute("data-counter-kopecks") || "0", 10);

    function poll() {
      if (document.hidden) return;
      fetch(counter.getAttribute("data-counter"), { headers: { Accept: "application/json" }, credentials: "omit" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (!body || typeof body[field] !== "number") return;
          var next = body[field];
          if (next !== current) {
            animate(counter, output, current, next);
            current = next;
            counter.setAttribute("data-counter-kopecks", String(next));
          }
        })
        .catch(function () {});
    }
    window.setInterval(poll, interval);
    document.addEventListener("visibilitychange", poll);
    poll();
  }

  function init() { document.querySelectorAll("[data-counter]").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
