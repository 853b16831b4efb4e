/* Поколение М — small progressive enhancements: menu, likes, share, uploads. Everything works
   without JavaScript; this only makes it quicker. No third-party code. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) return meta.content;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  window.pmCsrfToken = csrfToken;

  function errorText(body, fallback) {
    if (!body) return fallback;
    if (typeof body === "string") return body;
    if (body.detail) return body.detail;
    var parts = [];
    Object.keys(body).forEach(function (key) {
      var value = body[key];
      parts.push(Array.isArray(value) ? value.join(" ") : String(value));
    });
    return parts.join(" ") || fallback;
  }
  window.pmErrorText = errorText;

  /* Menu: collapsed behind a button on narrow screens. */
  function setupMenu() {
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.getElementById("site-nav");
    if (!toggle || !nav) return;
    toggle.hidden = false;
    nav.setAttribute("data-collapsed", "true");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      nav.setAttribute("data-collapsed", String(open));
      if (!open) {
        var first = nav.querySelector("a");
        if (first) first.focus();
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        toggle.click();
        toggle.focus();
      }
    });
  }

  /* Like button: a form that works without JS; with JS it posts in place. */
  function setupLikes() {
    document.querySelectorAll("form[data-like]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector("button");
        var status = form.querySelector("[data-like-status]");
        button.disabled = true;
        fetch(form.getAttribute("action"), {
          method: "POST",
          headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
          credentials: "same-origin",
          body: new FormData(form),
        })
          .then(function (response) {
            return response.json().then(function (body) { return { ok: response.ok, body: body }; });
          })
          .then(function (result) {
            if (!result.ok) throw new Error(errorText(result.body, "Не получилось. Попробуйте ещё раз."));
            var liked = !!result.body.liked;
            form.querySelector("[data-like-count]").textContent = result.body.likes;
            var word = form.querySelector("[data-like-word]");
            if (word && result.body.likes_word) word.textContent = result.body.likes_word;
            form.querySelector("input[name=action]").value = liked ? "unlike" : "like";
            button.setAttribute("aria-pressed", String(liked));
            button.querySelector("[data-like-label]").textContent = liked ? "Вы поддержали" : "Поддержать";
            if (status) status.textContent = result.body.message || (liked ? "Спасибо!" : "Лайк снят.");
          })
          .catch(function (error) {
            if (status) status.textContent = error.message;
          })
          .then(function () { button.disabled = false; });
      });
    });
  }

  /* Share: the system share sheet where there is one; the VK link is always there. */
  function setupShare() {
    document.querySelectorAll("[data-share]").forEach(function (button) {
      if (!navigator.share) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.share({ title: document.title, url: button.getAttribute("data-share") }).catch(function () {});
      });
    });
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = !navigator.clipboard;
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-copy"));
        navigator.clipboard.writeText(target.value || target.textContent).then(function () {
          button.textContent = "Скопировано";
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupMenu();
    setupLikes();
    setupShare();
  });
})();
