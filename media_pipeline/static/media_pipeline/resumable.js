/* Resumable video upload, shared by the admin (mentors) and the site (students' contest videos).

   window.pmResumableUpload({startUrl, startBody, uploadsUrl, file, csrfToken, report}) opens an
   upload (or resumes the one this browser left open for the same file), sends the file in chunks
   through the platform or in parts straight to S3, completes it and resolves to {upload, video}.
   A dropped connection is retried with growing pauses from where the server says it stands; a
   reload resumes from localStorage. report(fraction) is called as bytes arrive. With keepCompleted
   a finished upload is remembered too (a student's video waits for the work's form to be accepted)
   until pmResumableUpload.forget(file). */
(function () {
  "use strict";

  const RETRIES = 6;

  function sleep(ms) {
    return new Promise((resolve) => window.setTimeout(resolve, ms));
  }

  function errorText(body, status) {
    if (body && typeof body.detail === "string") return body.detail;
    const values = body ? Object.values(body).flat().filter((v) => typeof v === "string") : [];
    return values.join(" ") || "Ошибка " + status + ".";
  }

  class UploadError extends Error {
    constructor(message, retryable) {
      super(message);
      this.retryable = retryable;
    }
  }

  function client(csrfToken) {
    return async function api(url, options) {
      let response;
      try {
        response = await fetch(url, {
          credentials: "same-origin",
          ...options,
          headers: { "X-CSRFToken": csrfToken || "", Accept: "application/json", ...(options && options.headers) },
        });
      } catch (error) {
        throw new UploadError("Связь прервалась.", true);
      }
      const body = response.status === 204 ? {} : await response.json().catch(() => ({}));
      if (!response.ok && response.status !== 409) {
        throw new UploadError(errorText(body, response.status), response.status >= 500 || response.status === 429);
      }
      return { status: response.status, body };
    };
  }

  async function withRetries(step) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await step();
      } catch (error) {
        if (!error.retryable || attempt >= RETRIES) throw error;
        await sleep(1000 * 2 ** attempt);
      }
    }
  }

  async function sha256Hex(blob) {
    const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function resumeKey(file) {
    return "video-upload:" + [file.name, file.size, file.lastModified].join(":");
  }

  async function startOrResume(api, options) {
    const saved = window.localStorage.getItem(resumeKey(options.file));
    if (saved) {
      try {
        const { body } = await api(options.uploadsUrl + saved + "/");
        if (body.status === "open" || (body.status === "completed" && options.keepCompleted)) return body;
      } catch (error) {
        /* gone or closed: start again */
      }
    }
    const { body } = await withRetries(() =>
      api(options.startUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(options.startBody),
      }),
    );
    window.localStorage.setItem(resumeKey(options.file), body.uid);
    return body;
  }

  async function sendLocal(api, base, upload, file, report) {
    let offset = upload.received;
    report(offset / file.size);
    while (offset < file.size) {
      const piece = file.slice(offset, offset + upload.chunk_size);
      const digest = await sha256Hex(piece);
      const at = offset;
      try {
        const { body } = await api(base + "chunk/", {
          method: "PUT",
          headers: { "Content-Type": "application/octet-stream", "Upload-Offset": String(at), "Chunk-Sha256": digest },
          body: piece,
        });
        offset = body.received; // 409: the server says where it stands
      } catch (error) {
        if (!error.retryable) throw error;
        // Ask where the server stands once the connection is back, then carry on from there.
        offset = (await withRetries(() => sleep(1000).then(() => api(base)))).body.received;
      }
      report(offset / file.size);
    }
    return {};
  }

  async function sendS3(api, base, upload, file, report) {
    const done = new Map((upload.parts || []).map((p) => [p.part_number, p.etag]));
    const missing = [];
    for (let n = 1; n <= upload.parts_count; n += 1) if (!done.has(n)) missing.push(n);
    report(done.size / upload.parts_count);
    for (let i = 0; i < missing.length; i += 20) {
      const batch = missing.slice(i, i + 20);
      const { body } = await withRetries(() =>
        api(base + "parts/", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ part_numbers: batch }),
        }),
      );
      for (const n of batch) {
        const piece = file.slice((n - 1) * upload.chunk_size, n * upload.chunk_size);
        const etag = await withRetries(async () => {
          let response;
          try {
            response = await fetch(body.urls[String(n)], { method: "PUT", body: piece });
          } catch (error) {
            throw new UploadError("Связь прервалась.", true);
          }
          if (!response.ok) throw new UploadError("Хранилище не приняло часть " + n + " (" + response.status + ").", response.status >= 500);
          return response.headers.get("ETag");
        });
        done.set(n, etag);
        report(done.size / upload.parts_count);
      }
    }
    return { parts: Array.from(done, ([part_number, etag]) => ({ part_number, etag })) };
  }

  window.pmResumableUpload = async function (options) {
    const api = client(options.csrfToken);
    const report = options.report || function () {};
    const upload = await startOrResume(api, options);
    if (upload.status === "completed") {
      report(1); // finished earlier, not yet used: nothing to send again
      return { upload, video: upload.video };
    }
    const base = options.uploadsUrl + upload.uid + "/";
    const extra = upload.mode === "s3" ? await sendS3(api, base, upload, options.file, report) : await sendLocal(api, base, upload, options.file, report);
    const { body: video } = await withRetries(() =>
      api(base + "complete/", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(extra) }),
    );
    if (!options.keepCompleted) forget(options.file);
    return { upload, video };
  };

  function forget(file) {
    window.localStorage.removeItem(resumeKey(file));
  }

  window.pmResumableUpload.forget = forget;
  window.pmResumableUpload.supported = Boolean(window.crypto && window.crypto.subtle && window.fetch);
})();
