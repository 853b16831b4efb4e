/* Поколение М — the site without a network and on a slow one:
   - registers the service worker (/sw.js, see site_theme/pwa.py);
   - the data-saver toggle in the footer (a cookie the server reads like the `Save-Data` header);
   - «Сохранить для просмотра без сети»: a lesson's small download goes into the lessons cache,
     and the lesson page (its anonymous, public version) into the pages cache;
   - the offline progress queue: watched intervals the player could not send wait in
     localStorage and go to the progress API, in order, once the network is back.
   Everything here is an enhancement: without it the site works as before. */
(function () {
  "use strict";
  var LESSONS_CACHE = "pm-lessons";
  var PAGES_CACHE = "pm-pages";
  var SAVED_KEY = "pm-saved-lessons";
  var QUEUE_KEY = "pm-progress-queue";
  var SAVE_DATA_COOKIE = "pm_save_data";

  function read(key, fallback) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null") || fallback; } catch (e) { return fallback; }
  }
  function write(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode or full */ }
  }

  /* Russian plural: one (1, 21…), few (2–4, 22–24…), many (0, 5–20…); fractions take "few". */
  function plural(n, one, few, many) {
    if (n % 1 !== 0) return few;
    var d10 = n % 10, d100 = n % 100;
    if (d10 === 1 && d100 !== 11) return one;
    if (d10 >= 2 && d10 <= 4 && (d100 < 12 || d100 > 14)) return few;
    return many;
  }
  function megabytes(bytes) {
    var mb = bytes / 1048576;
    if (mb < 1) {
      var kb = Math.max(1, Math.round(bytes / 1024));
      return kb + "\u00a0КБ";
    }
    var shown = mb < 10 ? Math.round(mb * 10) / 10 : Math.round(mb);
    return String(shown).replace(".", ",") + "\u00a0МБ";
  }

  // --- The service worker ---------------------------------------------------------------------

  var workerReady = null;
  if ("serviceWorker" in navigator && window.isSecureContext) {
    workerReady = navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).catch(function () { return null; });
  }

  // --- Data saver -----------------------------------------------------------------------------

  function setupDataSaver() {
    var toggle = document.querySelector("[data-save-data-toggle]");
    if (!toggle) return;
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var on = toggle.getAttribute("aria-pressed") !== "true";
      document.cookie = SAVE_DATA_COOKIE + "=" + (on ? "1" : "0") + "; path=/; max-age=31536000; SameSite=Lax";
      toggle.setAttribute("aria-pressed", String(on));
      toggle.textContent = "Экономия трафика: " + (on ? "включена" : "выключена");
      window.location.reload();
    });
  }

  // --- Saved lessons --------------------------------------------------------------------------

  function savedLessons() { return read(SAVED_KEY, {}); }

  /* The saved copy of a lesson ({video, page, title, size, progressUrl}) if its file is still on the device. */
  function savedLesson(lessonId) {
    var record = savedLessons()[lessonId];
    if (!record || !window.caches) return Promise.resolve(null);
    return caches.open(LESSONS_CACHE).then(function (cache) {
      return cache.match(record.video, { ignoreSearch: true, ignoreVary: true });
    }).then(function (hit) { return hit ? record : null; }).catch(function () { return null; });
  }

  /* The page as any visitor sees it (no cookies sent), kept for offline: never a signed-in copy. */
  function keepPublicPage(url) {
    if (!window.caches) return Promise.resolve(false);
    return fetch(url, { credentials: "omit", cache: "no-store" }).then(function (response) {
      if (!response.ok || /no-store/.test(response.headers.get("Cache-Control") || "")) return false;
      return caches.open(PAGES_CACHE).then(function (cache) { return cache.put(url, response); }).then(function () { return true; });
    }).catch(function () { return false; });
  }

  function download(url, onProgress) {
    var sameOrigin = new URL(url, location.href).origin === location.origin;
    return fetch(url, sameOrigin ? {} : { mode: "cors", credentials: "omit" }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      var total = parseInt(response.headers.get("Content-Length") || "0", 10);
      var type = response.headers.get("Content-Type") || "video/mp4";
      if (!response.body || !response.body.getReader) {
        return response.blob().then(function (blob) { return { blob: blob, type: type }; });
      }
      var reader = response.body.getReader();
      var chunks = [];
      var received = 0;
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) return { blob: new Blob(chunks, { type: type }), type: type };
          chunks.push(step.value);
          received += step.value.length;
          onProgress(received, total);
          return pump();
        });
      }
      return pump();
    });
  }

  function setupLessonSaving(root) {
    var button = root.querySelector("[data-save-lesson]");
    var remove = root.querySelector("[data-remove-lesson]");
    var status = root.querySelector("[data-save-status]");
    if (!button || !window.caches || !window.fetch) return;
    var lesson = root.getAttribute("data-lesson");
    var videoUrl = new URL(root.getAttribute("data-video-url"), location.href).toString();
    var pageUrl = location.origin + location.pathname;

    function show(saved) {
      button.hidden = !!saved;
      remove.hidden = !saved;
      status.textContent = saved ? "Урок сохранён на устройстве: его можно смотреть без интернета." : "";
    }
    savedLesson(lesson).then(show);

    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = "Сохраняем…";
      download(videoUrl, function (received, total) {
        status.textContent = total
          ? "Сохраняем: " + Math.floor((100 * received) / total) + "\u00a0% из " + megabytes(total)
          : "Сохраняем: " + megabytes(received);
      }).then(function (file) {
        var headers = { "Content-Type": file.type, "Content-Length": String(file.blob.size) };
        return caches.open(LESSONS_CACHE).then(function (cache) {
          return cache.put(videoUrl, new Response(file.blob, { headers: headers }));
        }).then(function () { return keepPublicPage(pageUrl); }).then(function () {
          var all = savedLessons();
          all[lesson] = {
            video: videoUrl,
            page: pageUrl,
            title: root.getAttribute("data-title") || document.title,
            size: file.blob.size,
            progressUrl: root.getAttribute("data-progress-url") || "",
          };
          write(SAVED_KEY, all);
          show(true);
          document.dispatchEvent(new CustomEvent("pm:lesson-saved", { detail: { lesson: lesson } }));
        });
      }).catch(function () {
        status.textContent = "Не удалось сохранить урок: проверьте интернет и свободное место на устройстве.";
      }).then(function () { button.disabled = false; });
    });

    remove.addEventListener("click", function () {
      caches.open(LESSONS_CACHE).then(function (cache) { return cache.delete(videoUrl); }).then(function () {
        var all = savedLessons();
        delete all[lesson];
        write(SAVED_KEY, all);
        show(false);
        status.textContent = "Урок удалён с устройства.";
      });
    });
  }

  function listSavedLessons() {
    var list = document.querySelector("[data-saved-lessons]");
    if (!list) return;
    var all = savedLessons();
    var ids = Object.keys(all);
    if (!ids.length) return;
    ids.forEach(function (id) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = all[id].page;
      link.textContent = all[id].title;
      item.appendChild(link);
      list.appendChild(item);
    });
    var heading = document.createElement("h2");
    heading.textContent = ids.length + " " + plural(ids.length, "урок сохранён", "урока сохранены", "уроков сохранено") + " на устройстве:";
    list.parentNode.insertBefore(heading, list);
    list.hidden = false;
  }

  // --- Offline progress queue -----------------------------------------------------------------

  var flushing = false;

  function queueProgress(url, body) {
    var queue = read(QUEUE_KEY, []);
    queue.push({ url: url, body: body });
    write(QUEUE_KEY, queue.slice(-500));
  }

  /* Send what was watched offline, oldest first; stop at the first network failure. A refusal
     (4xx: signed out meanwhile, lesson gone) drops that report; the server's interval merge decides
     what counts, exactly as for reports sent live. */
  function flushProgress() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    var queue = read(QUEUE_KEY, []);
    if (!queue.length) return Promise.resolve();
    flushing = true;
    var sent = 0;
    function next() {
      var current = read(QUEUE_KEY, []);
      if (!current.length) return Promise.resolve();
      var item = current[0];
      return fetch(item.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": window.pmCsrfToken ? window.pmCsrfToken() : "" },
        body: JSON.stringify(item.body),
      }).then(function (response) {
        if (response.status >= 500) throw new Error("server");
        write(QUEUE_KEY, read(QUEUE_KEY, []).slice(1));
        if (response.ok) sent += 1;
        return next();
      });
    }
    return next().catch(function () { /* still offline: try again on the next `online` */ }).then(function () {
      flushing = false;
      if (sent) document.dispatchEvent(new CustomEvent("pm:progress-sent", { detail: { count: sent } }));
    });
  }

  window.pmOffline = {
    savedLesson: savedLesson,
    queueProgress: queueProgress,
    flushProgress: flushProgress,
    plural: plural,
    megabytes: megabytes,
  };

  window.addEventListener("online", function () { flushProgress(); });

  function init() {
    setupDataSaver();
    document.querySelectorAll("[data-lesson-downloads]").forEach(setupLessonSaving);
    listSavedLessons();
    flushProgress();
    // The first page a visitor opens was fetched before the worker existed: keep its public copy now.
    if (workerReady && !navigator.serviceWorker.controller && !document.querySelector("[data-offline-page]")) {
      whenQuiet(function () {
        workerReady.then(function (registration) {
          if (registration) keepPublicPageIfPublic(location.origin + location.pathname + location.search);
        });
      });
    }
  }

  /* After the page has loaded and, on a lesson, once its video plays (or 10 s passed): keeping a copy
     fetches the page again, which must not compete with the lesson's first frame on a slow link. */
  function whenQuiet(callback) {
    var done = false;
    function once() { if (!done) { done = true; callback(); } }
    function afterLoad() {
      var video = document.querySelector("[data-player] video");
      if (!video || !video.paused) return once();
      video.addEventListener("playing", once, { once: true });
      window.setTimeout(once, 10000);
    }
    if (document.readyState === "complete") afterLoad();
    else window.addEventListener("load", afterLoad, { once: true });
  }

  /* Like keepPublicPage, for a page the visitor already has: kept only when the server marked it public. */
  function keepPublicPageIfPublic(url) {
    if (!window.caches) return;
    fetch(url, { credentials: "omit" }).then(function (response) {
      if (response.ok && /(^|,)\s*public\b/.test(response.headers.get("Cache-Control") || "")) {
        return caches.open(PAGES_CACHE).then(function (cache) { return cache.put(url, response); });
      }
    }).catch(function () {});
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
