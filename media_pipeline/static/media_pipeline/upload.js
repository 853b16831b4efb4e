/* Video admin: resumable upload (resumable.js: chunks through the platform, or parts straight to
   S3 through presigned URLs) and live status/progress of the videos on the page (polls the JSON API). */
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
        await window.pmResumableUpload({
          startUrl: base,
          startBody: { title: form.elements.title.value, filename: file.name, size: file.size },
          uploadsUrl: base,
          file,
          csrfToken: csrfToken(),
          report,
        });
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
          const duration = row.querySelector("[data-video-duration]");
          if (duration && video.duration) duration.textContent = Math.round(video.duration) + " с";
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
