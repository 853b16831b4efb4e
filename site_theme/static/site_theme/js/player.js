/* Lesson player: HLS through the browser's own HLS where it has one (nothing more to download
   before the first frame), else through hls.js, fetched only then; a quality picked by hand also
   brings hls.js. Quality choice with "auto", the
   audio-only rung offered on slow connections, seek thumbnails from WebVTT, resume from the saved
   position and progress beacons to the learning API every ~10 s. With JavaScript the browser's own
   controls give way to the player's single set (one seek bar, with thumbnails).
   A lesson saved on the device (offline.js, «Сохранить для просмотра без сети») plays from there,
   online or not; a report that cannot be sent waits in offline.js's queue until the network is
   back. No video segment loads before play (the page's preload="none"; hls.js waits the same way).
   Data saver (the page's data-save-data, or the browser's): nothing at all loads before «Смотреть»,
   and the lowest picture rung comes first. */
(function () {
  "use strict";
  var BEACON_SECONDS = 10;

  function browserSavesData() {
    var c = navigator.connection || navigator.mozConnection || navigator.webkitConnection;
    return !!(c && c.saveData);
  }

  function connectionIsSlow() {
    var c = navigator.connection || navigator.mozConnection || navigator.webkitConnection;
    if (!c) return false;
    if (c.saveData) return true;
    if (c.effectiveType && /(^|-)2g$|^3g$/.test(c.effectiveType)) return true;
    return typeof c.downlink === "number" && c.downlink > 0 && c.downlink < 1.0;
  }

  /* bits per second the browser reckons the link carries, or hls.js's own default. */
  function linkEstimate() {
    var c = navigator.connection || navigator.mozConnection || navigator.webkitConnection;
    if (c && typeof c.downlink === "number" && c.downlink > 0) return c.downlink * 1e6;
    return 5e5;
  }

  /* hls.js, fetched once, when the browser has no HLS of its own or a quality is picked by hand. */
  var hlsScript = null;
  function loadHls(url) {
    if (window.Hls) return Promise.resolve(window.Hls);
    if (!hlsScript) {
      hlsScript = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = url;
        script.onload = function () { return window.Hls ? resolve(window.Hls) : reject(new Error("hls.js")); };
        script.onerror = function () { hlsScript = null; reject(new Error("hls.js")); };
        document.head.appendChild(script);
      });
    }
    return hlsScript;
  }

  /* The playlists the page carries (the master and its lowest picture rung's), by absolute URL. */
  function pagePlaylists(root) {
    var found = {};
    var node = root.querySelector('script[type="application/json"]');
    if (!node) return found;
    try {
      var given = JSON.parse(node.textContent);
      Object.keys(given).forEach(function (url) { found[new URL(url, location.href).href] = given[url]; });
    } catch (e) { /* none then: the network has them */ }
    return found;
  }

  /* A playlist's text with every address in it made absolute (against where the playlist lives),
     and those in `swap` replaced: a copy that plays from a blob: address. */
  function absolutePlaylist(text, base, swap) {
    function resolve(uri) {
      var url = new URL(uri, base).href;
      return swap[url] || url;
    }
    return text.split("\n").map(function (line) {
      var trimmed = line.trim();
      if (!trimmed) return line;
      if (trimmed.charAt(0) !== "#") return resolve(trimmed);
      return line.replace(/URI="([^"]*)"/g, function (all, uri) { return 'URI="' + resolve(uri) + '"'; });
    }).join("\n");
  }

  function playlistBlob(text) {
    return URL.createObjectURL(new Blob([text], { type: "application/vnd.apple.mpegurl" }));
  }

  /* hls.js's playlist loader: the page's copy of a playlist answers its first load (no round trip),
     the network everything else, and those playlists too afterwards (a reload, a retry). Segment
     addresses resolve against the playlist's own URL, as if it had come from there. */
  function pagePlaylistLoader(Hls, playlists) {
    var Network = Hls.DefaultConfig.loader;
    function Loader(config) {
      this.network = new Network(config);
      this.stats = this.network.stats;
      this.context = null;
      this.aborted = false;
    }
    Loader.prototype.load = function (context, config, callbacks) {
      // hls.js gives the master's URL as it was given to it (the page's, often relative).
      var url = new URL(context.url, location.href).href;
      var text = playlists[url];
      this.context = context;
      if (typeof text !== "string") {
        this.network.load(context, config, callbacks);
        this.stats = this.network.stats;
        return;
      }
      delete playlists[url];
      var self = this;
      var stats = this.stats;
      stats.loading.start = stats.loading.first = stats.loading.end = performance.now();
      stats.loaded = stats.total = text.length;
      window.setTimeout(function () {
        if (!self.aborted) callbacks.onSuccess({ url: url, data: text, code: 200 }, stats, context, null);
      }, 0);
    };
    Loader.prototype.abort = function () { this.aborted = true; this.network.abort(); };
    Loader.prototype.destroy = function () { this.aborted = true; this.network.destroy(); };
    return Loader;
  }

  /* The video rungs of a master playlist (the page's copy, else the network's), lowest bitrate
     first (hls.js numbers its levels so). */
  function masterLevels(url, known) {
    var read = known ? Promise.resolve(known) : fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; });
    return read
      .then(function (text) {
        var levels = [];
        text.split("\n").forEach(function (line) {
          if (line.indexOf("#EXT-X-STREAM-INF:") !== 0) return;
          var bandwidth = /[:,]BANDWIDTH=(\d+)/.exec(line);
          var resolution = /RESOLUTION=\d+x(\d+)/.exec(line);
          if (resolution) levels.push({ height: parseInt(resolution[1], 10), bitrate: bandwidth ? parseInt(bandwidth[1], 10) : 0 });
        });
        return levels.sort(function (a, b) { return a.bitrate - b.bitrate; });
      })
      .catch(function () { return []; });
  }

  function parseTime(text) {
    var parts = text.trim().split(":").map(parseFloat);
    var seconds = 0;
    parts.forEach(function (p) { seconds = seconds * 60 + p; });
    return seconds;
  }

  /* WebVTT of thumbnails: cues whose text is "sprite.jpg#xywh=x,y,w,h". */
  function loadThumbnails(url) {
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (text) {
        var cues = [];
        text.replace(/\r/g, "").split("\n\n").forEach(function (block) {
          var lines = block.split("\n").filter(Boolean);
          for (var i = 0; i < lines.length; i++) {
            if (lines[i].indexOf("-->") === -1) continue;
            var times = lines[i].split("-->");
            var target = (lines[i + 1] || "").trim();
            var hash = target.split("#xywh=");
            var xywh = (hash[1] || "0,0,0,0").split(",").map(Number);
            cues.push({
              start: parseTime(times[0]),
              end: parseTime(times[1].trim().split(" ")[0]),
              src: new URL(hash[0], new URL(url, location.href)).toString(),
              x: xywh[0], y: xywh[1], w: xywh[2], h: xywh[3],
            });
            break;
          }
        });
        return cues;
      })
      .catch(function () { return []; });
  }

  function Player(root) {
    this.root = root;
    this.video = root.querySelector("video");
    this.src = root.getAttribute("data-src");
    this.audioSrc = root.getAttribute("data-audio-src") || "";
    this.progressUrl = root.getAttribute("data-progress-url") || "";
    this.storageKey = "pm-lesson-position:" + (root.getAttribute("data-lesson") || this.src);
    this.quality = root.querySelector("[data-quality]");
    this.scrub = root.querySelector("[data-scrub]");
    this.thumb = root.querySelector("[data-thumb]");
    this.notice = root.querySelector("[data-notice]");
    this.audioState = root.querySelector("[data-audio-state]");
    this.lesson = parseInt(root.getAttribute("data-lesson") || "0", 10) || null;
    this.knownDuration = parseFloat(root.getAttribute("data-duration") || "0") || 0;
    this.saveData = root.hasAttribute("data-save-data") || browserSavesData();
    this.fromDevice = false;
    this.hls = null;
    this.hlsUrl = root.getAttribute("data-hls-script") || "";
    this.native = !!this.video.canPlayType("application/vnd.apple.mpegurl");
    this.playlists = pagePlaylists(root);
    this.masterUrl = this.src ? new URL(this.src, location.href).href : "";
    // hls.js's loader takes each of these once.
    this.hlsPlaylists = Object.assign({}, this.playlists);
    this.audioOnly = false;
    this.played = false;
    this.segmentStart = null;
    this.lastTime = 0;
    this.start();
  }

  Player.prototype.savedPosition = function () {
    var server = parseFloat(this.root.getAttribute("data-start") || "0") || 0;
    var local = 0;
    try { local = parseFloat(window.localStorage.getItem(this.storageKey) || "0") || 0; } catch (e) { /* private mode */ }
    // The server's figure is authoritative for a signed-in student; the local one helps guests.
    return this.progressUrl ? server || local : local;
  };

  Player.prototype.start = function () {
    var self = this;
    var saved = window.pmOffline ? window.pmOffline.savedLesson(this.root.getAttribute("data-lesson")) : null;
    if (!saved) return this.begin(null);
    saved.then(function (record) { self.begin(record); }, function () { self.begin(null); });
  };

  Player.prototype.begin = function (saved) {
    var self = this;
    var video = this.video;
    // The poster once the page has painted (the frame after this one), so it never holds the first
    // paint back or shares the link with the page's own files. Data saver pages have none.
    // Once the lesson has been played, preload="none" has done its job: a new source (another quality,
    // the sound-only rung) loads at once, so the switch can resume where it was.
    var onFirstPlay = function () {
      video.removeEventListener("play", onFirstPlay);
      self.played = true;
      video.preload = "auto";
    };
    video.addEventListener("play", onFirstPlay);
    var poster = video.getAttribute("data-poster");
    if (poster && !video.poster && !this.saveData) {
      window.requestAnimationFrame(function () {
        window.setTimeout(function () { if (!video.poster) video.poster = poster; }, 0);
      });
    }
    if (saved) {
      // The copy on the device: the service worker answers its requests (with byte ranges).
      this.fromDevice = true;
      this.progressUrl = this.progressUrl || saved.progressUrl || "";
      video.src = saved.video;
      this.fillQuality([]);
      this.say("Урок сохранён на устройстве: смотрим без интернета.");
    } else if (this.native && !this.saveData) {
      // The browser's own HLS, already on the page's <source> (preload="none": it reads the playlist
      // once the lesson is played). The qualities are read from the playlist once the lesson plays
      // (or the list is opened), not before.
      if (!video.querySelector("source")) video.src = this.src;
      this.nativeFromPage();
      this.fillQuality([]);
      var listQualities = function () {
        video.removeEventListener("playing", listQualities);
        if (self.quality) self.quality.removeEventListener("focus", listQualities);
        if (self.hls || self.videoLevels) return;
        masterLevels(self.src, self.playlists[self.masterUrl]).then(function (levels) {
          if (self.hls) return;
          self.videoLevels = levels;
          self.fillQuality(levels);
        });
      };
      video.addEventListener("playing", listQualities);
      if (this.quality) this.quality.addEventListener("focus", listQualities);
    } else if (this.saveData) {
      // Data saver: not even the player's code before «Смотреть».
      var onPlay = function () {
        video.removeEventListener("play", onPlay);
        self.useHls();
      };
      video.addEventListener("play", onPlay);
      this.fillQuality([]);
    } else {
      this.useHls();
    }
    var told = false;
    var resume = function () {
      var position = self.savedPosition();
      var total = video.duration || self.knownDuration;
      if (!(position > 1) || (total && position >= total - 3)) return;
      if (Math.abs(video.currentTime - position) > 1) video.currentTime = position;
      if (!told) self.say("Продолжаем с " + self.clock(position) + ".");
      told = true;
    };
    var onMeta = function () {
      video.removeEventListener("loadedmetadata", onMeta);
      resume();
    };
    // The browser's own HLS may have read the playlist before this script ran (played on its own controls).
    if (video.readyState >= 1 && !saved) onMeta();
    else {
      // preload="none" loads nothing before play: the saved position is set now, and the element keeps
      // a time set before its metadata as the position it starts from, so the time shown and the first
      // segment asked for are already the saved ones (hls.js starts its load at video.currentTime).
      if (!saved) resume();
      video.addEventListener("loadedmetadata", onMeta);
    }
    video.addEventListener("timeupdate", function () { self.onTime(); });
    video.addEventListener("playing", function () { self.segmentStart = video.currentTime; });
    video.addEventListener("seeking", function () { self.send(); self.segmentStart = null; });
    video.addEventListener("seeked", function () {
      self.lastTime = video.currentTime;
      if (!video.paused) self.segmentStart = video.currentTime;
    });
    video.addEventListener("pause", function () { self.send(); });
    video.addEventListener("ended", function () { self.send(); });
    window.addEventListener("pagehide", function () { self.send(); });
    document.addEventListener("visibilitychange", function () { if (document.hidden) self.send(); });
    if (this.quality) this.quality.addEventListener("change", function () { self.choose(self.quality.value); });
    if (this.scrub) this.setupScrub();
    this.setupButtons();
    if (!this.fromDevice && connectionIsSlow() && this.audioSrc) {
      this.say("Похоже, интернет медленный. Можно выбрать «Только звук» — урок пойдёт без остановок.");
    }
  };

  /* Chromium's own HLS reads playlists from blob: addresses: given the page's copies (every address
     in them absolute), it fetches no playlist before the first segment, two round trips sooner on
     a slow link. Segments from another origin (the CDN, the bucket) are then read with CORS, which
     the bucket allows the site (configure_bucket). Safari's HLS keeps the page's <source> (it
     reads no blob: playlist); if this one cannot play the copy, the network's playlist takes over. */
  Player.prototype.nativeFromPage = function () {
    var self = this;
    var video = this.video;
    var master = this.playlists[this.masterUrl];
    if (!master || !navigator.userAgentData || video.readyState > 0 || !video.paused) return;
    var swap = {};
    Object.keys(this.playlists).forEach(function (url) {
      if (url !== self.masterUrl) swap[url] = playlistBlob(absolutePlaylist(self.playlists[url], url, {}));
    });
    var blob = playlistBlob(absolutePlaylist(master, this.masterUrl, swap));
    var crossOrigin = new URL(this.masterUrl).origin !== location.origin;
    var done = function () {
      video.removeEventListener("error", fallBack);
      video.removeEventListener("loadeddata", done);
    };
    var fallBack = function () {
      if (video.currentSrc !== blob) return done();
      done();
      var position = video.currentTime;
      video.removeAttribute("crossorigin");
      video.src = self.src;
      if (position) video.currentTime = position;
      if (self.played) video.play().catch(function () {});
    };
    // The copy goes in on play, not now: Chromium reads a blob: source at once whatever preload
    // says, and nothing of the video may cross the network before play.
    // Only while the master is the source: a choice made before play (sound only, a downloaded
    // lesson) keeps its own.
    var playsMaster = function () {
      var source = video.querySelector("source");
      var current = video.getAttribute("src") || (source ? source.getAttribute("src") : "") || "";
      return !self.audioOnly && new URL(current, location.href).href === self.masterUrl;
    };
    var play = video.play;
    video.play = function () {
      delete video.play;
      if (video.readyState === 0 && video.currentSrc !== blob && playsMaster()) {
        var position = video.currentTime;
        video.addEventListener("error", fallBack);
        video.addEventListener("loadeddata", done);
        if (crossOrigin) video.crossOrigin = "anonymous";
        video.src = blob;
        if (position) video.currentTime = position;
      }
      return play.apply(video, arguments);
    };
  };

  /* hls.js for the whole lesson: where the browser has no HLS of its own, or in data saver mode
     (hls.js starts at the lowest rung). */
  Player.prototype.useHls = function () {
    var self = this;
    var video = this.video;
    loadHls(this.hlsUrl).then(
      function (Hls) {
        if (Hls.isSupported()) self.attachHls(self.src);
        else if (self.native) { video.src = self.src; self.fillQuality([]); }
        else self.say("Ваш браузер не умеет показывать это видео. Обновите браузер или откройте урок на другом устройстве.");
      },
      function () {
        if (self.native) { video.src = self.src; self.fillQuality([]); }
        else self.say("Плеер не загрузился: проверьте интернет и обновите страницу.");
      }
    );
  };

  Player.prototype.attachHls = function (src) {
    var self = this;
    var Hls = window.Hls;
    if (this.hls) this.hls.destroy();
    // No worker: the site's Content-Security-Policy allows scripts from its own origin only.
    // The first quality comes from the browser's own estimate of the link (or hls.js's 500 kbit/s)
    // rather than from a test download of a whole first segment, which a slow link would fetch
    // twice.
    // No segment before play, as the page's preload="none" (hls.js reads the playlists meanwhile);
    // data saver: the lowest rung first (hls.js sorts levels by bitrate).
    // The page's <source> is for the browser's own HLS: hls.js plays through Media Source instead.
    this.video.querySelectorAll("source").forEach(function (source) { source.remove(); });
    var waitForPlay = !this.played && this.video.paused;
    var hls = new Hls({
      enableWorker: false,
      capLevelToPlayerSize: true,
      startLevel: this.saveData ? 0 : -1,
      autoStartLoad: !waitForPlay,
      testBandwidth: false,
      abrEwmaDefaultEstimate: linkEstimate(),
      pLoader: pagePlaylistLoader(Hls, this.hlsPlaylists),
    });
    this.hls = hls;
    if (waitForPlay) {
      var video = this.video;
      var load = function () {
        video.removeEventListener("play", load);
        hls.startLoad(video.currentTime || -1);
      };
      video.addEventListener("play", load);
    }
    hls.on(Hls.Events.MANIFEST_PARSED, function (event, data) {
      // The audio rung's playlist has no pictures: the list keeps the video's qualities meanwhile.
      if (!self.audioOnly) self.videoLevels = data.levels || [];
      self.fillQuality(self.videoLevels || []);
    });
    hls.on(Hls.Events.ERROR, function (event, data) {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
        self.say("Связь прервалась, пробуем снова…");
        hls.startLoad();
      } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else {
        self.say("Видео не загрузилось. Обновите страницу.");
      }
    });
    hls.loadSource(src);
    hls.attachMedia(this.video);
  };

  Player.prototype.fillQuality = function (levels) {
    if (!this.quality) return;
    var select = this.quality;
    var chosen = this.chosen || "auto";
    select.innerHTML = "";
    select.appendChild(new Option("Авто", "auto"));
    levels.forEach(function (level, index) {
      if (!level.height) return;
      select.appendChild(new Option(level.height + "p", String(index)));
    });
    if (this.audioSrc && !this.fromDevice) {
      var label = connectionIsSlow() ? "Только звук (экономит трафик)" : "Только звук";
      select.appendChild(new Option(label, "audio"));
    }
    // A list rebuilt after a switch keeps showing what the person chose.
    select.value = chosen;
    if (select.value !== chosen) select.value = "auto";
    if (this.hls && !this.audioOnly && /^\d+$/.test(chosen) && levels.length) this.hls.currentLevel = parseInt(chosen, 10);
    select.closest("label").hidden = select.options.length < 2;
  };

  Player.prototype.choose = function (value) {
    var video = this.video;
    var position = video.currentTime;
    var wasPlaying = !video.paused;
    var wantsAudio = value === "audio";
    this.chosen = value;
    if (wantsAudio !== this.audioOnly) {
      this.audioOnly = wantsAudio;
      this.root.classList.toggle("player--audio", wantsAudio);
      // The picture stops with the video stream: cover it, or the last frame stays frozen on screen.
      if (this.audioState) this.audioState.hidden = !wantsAudio;
      var src = wantsAudio ? this.audioSrc : this.src;
      var resume = function () {
        video.removeEventListener("loadedmetadata", resume);
        video.currentTime = position;
        if (wasPlaying) video.play().catch(function () {});
      };
      video.addEventListener("loadedmetadata", resume);
      if (this.hls) this.attachHls(src);
      else video.src = src;
      if (wantsAudio) this.say("Только звук: видео не загружается, трафик в десятки раз меньше.");
      return;
    }
    if (this.hls) {
      this.hls.currentLevel = value === "auto" ? -1 : parseInt(value, 10);
    } else if (value !== "auto" && !this.fromDevice) {
      this.handOverToHls(position, wasPlaying);
    }
  };

  /* The browser's own HLS picks qualities by itself: a quality picked by hand brings hls.js, which
     takes over at the same second (fillQuality then applies the choice to its levels). */
  Player.prototype.handOverToHls = function (position, wasPlaying) {
    var self = this;
    var video = this.video;
    this.say("Переключаем качество…");
    loadHls(this.hlsUrl).then(function (Hls) {
      if (self.hls || !Hls.isSupported()) return;
      var resume = function () {
        video.removeEventListener("loadedmetadata", resume);
        video.currentTime = position;
        if (wasPlaying) video.play().catch(function () {});
      };
      video.addEventListener("loadedmetadata", resume);
      self.attachHls(self.audioOnly ? self.audioSrc : self.src);
      self.say("");
    }, function () { self.say("Не удалось переключить качество: проверьте интернет."); });
  };

  /* Play, time, sound and full screen: the browser's controls would bring a second seek bar. */
  Player.prototype.setupButtons = function () {
    var self = this;
    var video = this.video;
    var root = this.root;
    var play = root.querySelector("[data-play]");
    var time = root.querySelector("[data-time]");
    var mute = root.querySelector("[data-mute]");
    var full = root.querySelector("[data-fullscreen]");
    if (!play) return;
    video.controls = false;
    play.hidden = false;
    time.hidden = false;
    mute.hidden = false;
    function showPlay() { play.textContent = video.paused ? "Смотреть" : "Пауза"; }
    function showTime() {
      var total = self.duration();
      time.textContent = self.clock(video.currentTime) + " / " + self.clock(total);
    }
    function showMute() {
      mute.setAttribute("aria-pressed", String(video.muted));
      mute.textContent = video.muted ? "Включить звук" : "Без звука";
    }
    function toggle() {
      if (video.paused) video.play().catch(function () {});
      else video.pause();
    }
    play.addEventListener("click", toggle);
    video.addEventListener("click", toggle);
    ["play", "pause", "ended"].forEach(function (name) { video.addEventListener(name, showPlay); });
    ["timeupdate", "durationchange", "loadedmetadata"].forEach(function (name) { video.addEventListener(name, showTime); });
    video.addEventListener("volumechange", showMute);
    mute.addEventListener("click", function () { video.muted = !video.muted; });
    if (full && document.fullscreenEnabled) {
      full.hidden = false;
      full.addEventListener("click", function () {
        if (document.fullscreenElement) document.exitFullscreen();
        else root.requestFullscreen().catch(function () {});
      });
      document.addEventListener("fullscreenchange", function () {
        full.textContent = document.fullscreenElement === root ? "Выйти из полноэкранного режима" : "Во весь экран";
      });
    }
    showPlay();
    showTime();
    showMute();
  };

  Player.prototype.setupScrub = function () {
    var self = this;
    var video = this.video;
    var scrub = this.scrub;
    var cues = [];
    var thumbsUrl = this.root.getAttribute("data-thumbnails");
    // The thumbnails' list waits for the first touch of the seek bar: on a slow link nothing but
    // the video itself is fetched before the first frame.
    function wantThumbnails() {
      if (!thumbsUrl) return;
      var url = thumbsUrl;
      thumbsUrl = null;
      loadThumbnails(url).then(function (list) {
        cues = list;
        // The pointer that asked for them may still rest on the bar.
        if (hovered && scrub.matches(":hover")) show(hovered.time, hovered.offset);
      });
    }
    var hovered = null;
    ["pointerenter", "focus", "touchstart"].forEach(function (name) {
      scrub.addEventListener(name, wantThumbnails, { passive: true });
    });
    var showDuration = function () { scrub.max = String(Math.floor(self.duration())); };
    video.addEventListener("durationchange", showDuration);
    if (self.duration()) showDuration();
    video.addEventListener("timeupdate", function () {
      if (!scrub.matches(":active")) scrub.value = String(Math.floor(video.currentTime));
      scrub.setAttribute("aria-valuetext", self.clock(video.currentTime));
    });
    scrub.addEventListener("input", function () {
      video.currentTime = parseFloat(scrub.value);
      show(parseFloat(scrub.value));
    });
    scrub.addEventListener("pointermove", function (event) {
      var rect = scrub.getBoundingClientRect();
      var ratio = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
      hovered = { time: ratio * self.duration(), offset: event.clientX - rect.left };
      show(hovered.time, hovered.offset);
    });
    scrub.addEventListener("pointerleave", function () { hovered = null; self.thumb.hidden = true; });
    scrub.addEventListener("blur", function () { self.thumb.hidden = true; });

    function show(time, offset) {
      var cue = cues.find(function (c) { return time >= c.start && time < c.end; });
      if (!cue || !self.thumb) return;
      var box = self.thumb.firstElementChild;
      box.style.width = cue.w + "px";
      box.style.height = cue.h + "px";
      box.style.backgroundImage = "url('" + cue.src + "')";
      box.style.backgroundPosition = -cue.x + "px " + -cue.y + "px";
      if (offset === undefined) offset = (time / (self.duration() || 1)) * scrub.getBoundingClientRect().width;
      box.style.left = Math.max(0, offset - cue.w / 2) + "px";
      self.thumb.hidden = false;
    }
  };

  /* The watched interval runs from where playback (re)started to where it is now; a seek closes
     it, so the learning API only ever hears about seconds that were really played. */
  Player.prototype.onTime = function () {
    var t = this.video.currentTime;
    try { window.localStorage.setItem(this.storageKey, String(t)); } catch (e) { /* private mode */ }
    if (!this.video.seeking) this.lastTime = t;
    if (this.segmentStart === null && !this.video.paused) this.segmentStart = t;
    if (this.segmentStart !== null && t - this.segmentStart >= BEACON_SECONDS) this.send();
  };

  Player.prototype.send = function () {
    if (!this.progressUrl || this.segmentStart === null) return;
    var video = this.video;
    var end = this.lastTime;
    var start = Math.min(this.segmentStart, end);
    this.segmentStart = video.paused || video.seeking ? null : end;
    if (!end) return;
    var url = this.progressUrl;
    var body = {
      lesson: this.lesson,
      position: round(end),
      start: round(start),
      end: round(end),
      duration: video.duration && isFinite(video.duration) ? round(video.duration) : undefined,
    };
    var offline = window.pmOffline;
    // Offline, the report waits in the queue; it goes out, in order, when the network is back.
    if (offline && !navigator.onLine) return offline.queueProgress(url, body);
    fetch(url, {
      method: "POST",
      keepalive: true,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.pmCsrfToken ? window.pmCsrfToken() : "" },
      body: JSON.stringify(body),
    }).catch(function () { if (offline) offline.queueProgress(url, body); });
  };

  function round(value) { return Math.round(value * 10) / 10; }

  /* The video's own duration once it is known; before play (preload="none") the one the page gives,
     so the seek bar, the time and the thumbnails work before a byte of the video is read. */
  Player.prototype.duration = function () {
    var d = this.video.duration;
    return isFinite(d) && d > 0 ? d : this.knownDuration;
  };

  Player.prototype.clock = function (seconds) {
    var s = Math.floor(seconds);
    var m = Math.floor(s / 60);
    return m + ":" + String(s % 60).padStart(2, "0");
  };

  Player.prototype.say = function (text) {
    if (!this.notice) return;
    this.notice.textContent = text;
    this.notice.hidden = !text;
  };

  function init() {
    document.querySelectorAll("[data-player]").forEach(function (root) {
      if (!root.player) root.player = new Player(root);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
