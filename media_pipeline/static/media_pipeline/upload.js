/* Video admin: resumable upload (chunks through the platform, or parts straight to S3 through
   presigned URLs) and live status/progress of the videos on the page (polls the JSON API). */
(function () {
  "use strict";

  const ACTIVE = ["uploaded", "probing", "transcoding"];
  const POLL_MS = 2000;

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function api(url, options) {
    const response = await fetch(url, {
      credentials: "same-origin",
      ...options,
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json", ...(options && options.headers) },
    });
    const body = response.status === 204 ? {} : await response.json().catch(() => ({}));
    if (!response.ok && response.status !== 409) {
      const detail = body.detail || Object.values(body).flat().join(" ") || "Ошибка " + response.status;
      throw new Error(detail);
    }
    return { status: response.status, body };
  }

  async function sha256Hex(blob) {
    const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function resumeKey(file) {
    return "video-upload:" + [file.name, file.size, file.lastModified].join(":");
  }

  async function startOrResume(base, file, title) {
    const saved = localStorage.getItem(resumeKey(file));
    if (saved) {
      try {
        const { body } = await api(base + saved + "/");
        if (body.status === "open") return body;
      } catch (error) {
        /* gone or closed: start again */
      }
    }
    const { body } = await api(base, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title, filename: file.name, size: file.size }),
    });
    localStorage.setItem(resumeKey(file), body.uid);
    return body;
  }

  async function sendLocal(base, upload, file, report) {
    let offset = upload.received;
    while (offset < file.size) {
      const piece = file.slice(offset, offset + upload.chunk_size);
      const { status, body } = await api(base + upload.uid + "/chunk/", {
        method: "PUT",
        headers: {
          "Content-Type": "application/octet-stream",
          "Upload-Offset": String(offset),
          "Chunk-Sha256": await sha256Hex(piece),
        },
        body: piece,
      });
      offset = body.received; // 409: the server says where it stands
      report(offset / file.size);
    }
    return {};
  }

  async function sendS3(base, upload, file, report) {
    const done = new Map((upload.parts || []).map((p) => [p.part_number, p.etag]));
    const missing = [];
    for (let n = 1; n <= upload.parts_count; n += 1) if (!done.has(n)) missing.push(n);
    for (let i = 0; i < missing.length; i += 20) {
      const batch = missing.slice(i, i + 20);
      const { body } = await api(base + upload.uid + "/parts/", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ part_numbers: batch }),
      });
      for (const n of batch) {
        const piece = file.slice((n - 1) * upload.chunk_size, n * upload.chunk_size);
        const response = await fetch(body.urls[String(n)], { method: "PUT", body: piece });
        if (!response.ok) throw new Error("Хранилище не приняло часть " + n + " (" + response.status + ").");
        done.set(n, response.headers.get("ETag"));
        report(done.size / upload.parts_count);
      }
    }
    return { parts: Array.from(done, ([part_number, etag]) => ({ part_number, etag })) };
  }

  function setupUpload(section) {
    const form = section.querySelector("[data-video-upload-form]");
    const bar = section.querySelector("[data-video-upload-progress]");
    const message = section.querySelector("[data-video-upload-message]");
    const base = section.dataset.api;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = form.elements.file.files[0];
      if (!file) return;
      const button = form.querySelector("button");
      button.disabled = true;
      bar.hidden = false;
      const report = (fraction) => {
        bar.value = Math.round(fraction * 100);
        message.textContent = "Загружено " + Math.round(fraction * 100) + "%";
      };
      try {
        const upload = await startOrResume(base, file, form.elements.title.value);
        if (upload.received) message.textContent = "Продолжаю загрузку с места обрыва…";
        const extra = upload.mode === "s3" ? await sendS3(base, upload, file, report) : await sendLocal(base, upload, file, report);
        message.textContent = "Проверяю файл…";
        await api(base + upload.uid + "/complete/", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(extra),
        });
        localStorage.removeItem(resumeKey(file));
        message.textContent = "Файл загружен. Видео обрабатывается — прогресс виден в списке.";
        window.setTimeout(() => window.location.reload(), 800);
      } catch (error) {
        message.textContent = error.message + " Выберите тот же файл и нажмите «Загрузить», чтобы продолжить.";
        button.disabled = false;
      }
    });
  }

  function setupPolling(table) {
    const base = table.dataset.api;
    async function poll() {
      const rows = Array.from(table.querySelectorAll("[data-video-id]")).filter((row) => ACTIVE.includes(row.dataset.status));
      if (!rows.length) return;
      try {
        const ids = rows.map((row) => row.dataset.videoId).join(",");
        const { body } = await api(base + "?ids=" + ids);
        for (const video of body.results || []) {
          const row = table.querySelector('[data-video-id="' + video.id + '"]');
          if (!row) continue;
          row.dataset.status = video.status;
          row.querySelector("[data-video-status]").textContent = video.status_display;
          row.querySelector("[data-video-progress]").value = video.progress;
          row.querySelector("[data-video-percent]").textContent = video.progress + "%";
          row.querySelector("[data-video-reason]").textContent = video.failure_reason;
        }
      } catch (error) {
        /* try again on the next tick */
      }
      window.setTimeout(poll, POLL_MS);
    }
    window.setTimeout(poll, POLL_MS);
  }

  document.querySelectorAll("[data-video-upload]").forEach(setupUpload);
  document.querySelectorAll("[data-video-list]").forEach(setupPolling);
  document.querySelectorAll("form[data-confirm]").forEach((form) =>
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    }),
  );
})();
