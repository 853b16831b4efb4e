// The door's check-in page: scan a ticket's QR code with the camera (the browser's BarcodeDetector,
// else jsQR on video frames), or find a person by name or code; walk-ins with one tap. Every
// check-in goes into a queue in localStorage first and is sent from there, so a weak or lost
// connection only delays the count; each check-in carries an id made here, so a resend is harmless.
(function () {
  "use strict";
  var root = document.querySelector("[data-check-in]");
  if (!root) return;
  var eventId = root.dataset.event;
  var syncUrl = root.dataset.syncUrl;
  var queueKey = "check-in-queue:" + eventId;
  var seenKey = "check-in-seen:" + eventId;
  var roster = JSON.parse(document.getElementById("check-in-roster").textContent);
  var byCode = new Map(roster.map(function (r) { return [r.code, r]; }));
  var queue = load(queueKey, []);
  var seen = new Set(load(seenKey, []).concat(roster.filter(function (r) { return r.in; }).map(function (r) { return r.code; })));
  var log = root.querySelector("[data-log]");
  var syncing = false;

  var LABELS = {
    ok: "вход отмечен",
    walk_in: "без регистрации",
    repeated: "ПОВТОРНО: билет уже отмечен",
    unknown: "билет не найден",
    not_confirmed: "место не подтверждено",
    invalid: "ошибка отметки",
    queued: "в очереди, отправим при связи",
  };

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function save() {
    localStorage.setItem(queueKey, JSON.stringify(queue));
    localStorage.setItem(seenKey, JSON.stringify(Array.from(seen)));
    root.querySelector("[data-queue]").textContent = queue.length;
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.from(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function show(id, who, state, detail) {
    var item = log.querySelector('[data-id="' + id + '"]');
    if (!item) {
      item = document.createElement("li");
      item.dataset.id = id;
      log.prepend(item);
      while (log.children.length > 30) log.lastChild.remove();
    }
    item.dataset.state = state;
    item.textContent = who + " — " + (LABELS[state] || state) + (detail ? " (" + detail + ")" : "");
  }

  function checkIn(code) {
    code = code.trim();
    if (!code) return;
    var person = byCode.get(code);
    var who = person ? person.name + (person.seats > 1 ? ", " + person.seats + " чел." : "") : "Код " + code.slice(0, 6) + "…";
    var item = { id: newId(), code: code, at: new Date().toISOString() };
    queue.push(item);
    show(item.id, who, seen.has(code) ? "repeated" : "queued");
    if (person && !seen.has(code)) seen.add(code);
    save();
    sync();
  }
  function walkIn() {
    var item = { id: newId(), walk_in: true, people: 1, at: new Date().toISOString() };
    queue.push(item);
    show(item.id, "Гость", "queued");
    save();
    sync();
  }

  function setNetwork() {
    root.querySelector("[data-network]").textContent = navigator.onLine ? "в сети" : "нет связи — отметки копятся на телефоне";
  }
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  function sync() {
    if (syncing || !queue.length || !navigator.onLine) return;
    syncing = true;
    var batch = queue.slice(0, 200);
    fetch(syncUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
      body: JSON.stringify({ items: batch }),
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (!answer.ok) {
          show("error", "Сервер", "invalid", answer.body.detail || "");
          return;
        }
        var answered = new Set();
        answer.body.results.forEach(function (result, index) {
          var id = result.id || batch[index].id;
          answered.add(batch[index].id);
          var person = batch[index].code && byCode.get(batch[index].code);
          var who = result.name || (person && person.name) || (batch[index].walk_in ? "Гость" : "Билет");
          show(id, who, result.status, result.detail);
        });
        queue = queue.filter(function (item) { return !answered.has(item.id); });
        save();
        var counts = answer.body.counts;
        Object.keys(counts).forEach(function (key) {
          var node = root.querySelector('[data-count="' + key + '"]');
          if (node) node.textContent = counts[key];
        });
      })
      .catch(function () { /* no connection: the queue stays and is sent later */ })
      .then(function () {
        syncing = false;
        if (queue.length && navigator.onLine) setTimeout(sync, 500);
      });
  }

  // Finding by name or code, also offline (the roster came with the page).
  var query = root.querySelector("[data-query]");
  var matches = root.querySelector("[data-matches]");
  function find(text) {
    text = text.trim().toLowerCase();
    if (text.length < 2) return [];
    return roster.filter(function (r) { return r.code.toLowerCase() === text || r.name.toLowerCase().indexOf(text) !== -1; }).slice(0, 8);
  }
  query.addEventListener("input", function () {
    matches.replaceChildren();
    find(query.value).forEach(function (r) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--ghost";
      button.textContent = r.name + (seen.has(r.code) ? " (уже отмечен)" : "");
      button.addEventListener("click", function () { checkIn(r.code); query.value = ""; matches.replaceChildren(); });
      li.append(button);
      matches.append(li);
    });
  });
  root.querySelector("[data-find]").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = query.value.trim();
    var found = byCode.has(text) ? [byCode.get(text)] : find(text);
    if (found.length === 1) checkIn(found[0].code);
    else if (text.length >= 16) checkIn(text);
    else { show("hint", "Поиск", "unknown", "уточните имя или введите код целиком"); return; }
    query.value = "";
    matches.replaceChildren();
  });
  root.querySelector("[data-walk-in]").addEventListener("click", walkIn);

  // The camera.
  var video = root.querySelector("[data-video]");
  var canvas = root.querySelector("[data-canvas]");
  var lastCode = null;
  var lastSeenAt = 0;
  function found(code) {
    var now = Date.now();
    // The same ticket stays in front of the camera for a while: count it once until it leaves.
    if (code === lastCode && now - lastSeenAt < 3000) { lastSeenAt = now; return; }
    lastCode = code;
    lastSeenAt = now;
    checkIn(code);
  }
  function startCamera(button) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show("camera", "Камера", "invalid", "недоступна: введите код или имя");
      return;
    }
    button.disabled = true;
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        return video.play();
      })
      .then(function () { return makeDetector(); })
      .then(function (detect) {
        button.textContent = "Камера включена";
        (function tick() {
          detect().then(function (code) { if (code) found(code); }).catch(function () {}).then(function () { setTimeout(tick, 150); });
        })();
      })
      .catch(function (error) {
        button.disabled = false;
        show("camera", "Камера", "invalid", error.name === "NotAllowedError" ? "нет разрешения" : "не включилась");
      });
  }
  function makeDetector() {
    var context = canvas.getContext("2d", { willReadFrequently: true });
    function withJsQR() {
      if (!video.videoWidth) return Promise.resolve(null);
      var scale = Math.min(1, 640 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var result = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      return Promise.resolve(result ? result.data : null);
    }
    if (!("BarcodeDetector" in window)) return Promise.resolve(withJsQR);
    return window.BarcodeDetector.getSupportedFormats()
      .then(function (formats) {
        if (formats.indexOf("qr_code") === -1) return withJsQR;
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function () {
          return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
        };
      })
      .catch(function () { return withJsQR; });
  }
  root.querySelector("[data-camera]").addEventListener("click", function (event) { startCamera(event.currentTarget); });

  window.addEventListener("online", function () { setNetwork(); sync(); });
  window.addEventListener("offline", setNetwork);
  setInterval(sync, 5000);
  setNetwork();
  save();
  sync();
})();
