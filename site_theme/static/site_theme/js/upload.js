/* Contest work upload with a progress bar. The form works without JavaScript; with it the student
   sees how far the upload is, and videos go up in chunks (resumable.js) that survive a dropped
   connection or a reload: the form then carries only the finished uploads' ids and the other files. */
(function () {
  "use strict";

  var VIDEO_EXTENSIONS = /\.(mp4|m4v|mov|webm|mkv|3gp)$/i;

  function isVideo(file) {
    return (file.type && file.type.indexOf("video/") === 0) || VIDEO_EXTENSIONS.test(file.name);
  }

  var DOCUMENT_EXTENSIONS = /\.(pdf|docx|odt|pptx)$/i;

  /* What a file looks like before the server reads its content (which decides in the end). */
  function kindOf(file) {
    if (isVideo(file)) return "video";
    if (file.type.indexOf("image/") === 0) return "image";
    if (file.type.indexOf("audio/") === 0) return "audio";
    if (DOCUMENT_EXTENSIONS.test(file.name)) return "document";
    return "";
  }

  /* «0,3 из 1,2 МБ», or kilobytes for small files (a photo of a drawing is often under a megabyte). */
  function amount(sent, total) {
    var mb = total >= 1048576;
    var unit = mb ? 1048576 : 1024;
    var digits = mb ? 1 : 0;
    function n(bytes) { return (bytes / unit).toFixed(digits).replace(".", ","); }
    return n(sent) + " из " + n(total) + (mb ? " МБ" : " КБ");
  }

  function setup(form) {
    var box = form.querySelector("[data-upload-progress]");
    var bar = box.querySelector("progress");
    var status = form.querySelector("[data-upload-status]");
    var errorBox = form.querySelector("[data-upload-error]");
    var button = form.querySelector("button[type=submit]");
    var fileInput = form.querySelector("input[type=file][name=files]");

    function fail(message) {
      errorBox.textContent = message;
      errorBox.hidden = false;
      button.disabled = false;
      errorBox.scrollIntoView({ block: "center" });
    }

    function show(sent, total) {
      var percent = total ? Math.min(100, Math.round((100 * sent) / total)) : 100;
      bar.value = percent;
      bar.textContent = percent + "%";
      status.textContent = "Загружено " + percent + "% (" + amount(sent, total) + ")";
    }

    /* Send each video in chunks; resolves to the finished uploads' ids. */
    function sendVideos(videos, total, report) {
      var url = form.getAttribute("data-video-upload-url").replace("/0/", "/" + form.elements.assignment.value + "/");
      var done = 0;
      var uids = [];
      return videos.reduce(function (previous, file) {
        return previous.then(function () {
          return window.pmResumableUpload({
            startUrl: url,
            startBody: { filename: file.name, size: file.size },
            uploadsUrl: form.getAttribute("data-uploads-url"),
            file: file,
            csrfToken: window.pmCsrfToken(),
            keepCompleted: true,
            report: function (fraction) { report(done + fraction * file.size); },
          }).then(function (result) {
            done += file.size;
            uids.push(result.upload.uid);
          });
        });
      }, Promise.resolve()).then(function () { return uids; });
    }

    /* The form itself, with the videos replaced by their upload ids. */
    function sendForm(uids, others, sentBefore, total) {
      var data = new FormData(form);
      data.delete("files");
      others.forEach(function (file) { data.append("files", file); });
      uids.forEach(function (uid) { data.append("videos", uid); });
      return new Promise(function (resolve, reject) {
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.action);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.setRequestHeader("X-CSRFToken", window.pmCsrfToken ? window.pmCsrfToken() : "");
        xhr.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) show(sentBefore + (e.loaded / e.total) * (total - sentBefore), total);
        });
        xhr.addEventListener("load", function () {
          var body = {};
          try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
          if (xhr.status >= 200 && xhr.status < 300) resolve(body);
          else reject(new Error((window.pmErrorText && window.pmErrorText(body, "")) || "Не получилось отправить работу (код " + xhr.status + "). Попробуйте ещё раз."));
        });
        xhr.addEventListener("error", function () {
          reject(new Error("Связь прервалась. Проверьте интернет и отправьте ещё раз."));
        });
        xhr.send(data);
      });
    }

    var select = form.elements.assignment;
    var formats = form.querySelector("[data-formats-hint]");
    var refusedShown = false;

    function chosen() {
      return select.options[select.selectedIndex];
    }

    /* The hint and the file chooser follow the chosen assignment: each takes its own kinds. */
    function followAssignment() {
      var option = chosen();
      if (!option || !fileInput) return;
      formats.textContent = option.getAttribute("data-formats") || "только текст";
      fileInput.setAttribute("accept", option.getAttribute("data-accept") || "");
      checkFiles();
    }

    /* A file the assignment does not take is named at once, not after the upload. */
    function checkFiles() {
      var kinds = (chosen().getAttribute("data-kinds") || "").split(" ");
      var refused = Array.prototype.filter.call(fileInput.files, function (file) {
        return kinds.indexOf(kindOf(file)) < 0;
      });
      if (refused.length) {
        fail(refused.map(function (file) { return "«" + file.name + "»"; }).join(", ") +
          ": такой файл в этом задании не принимается. Принимаются: " + formats.textContent + ".");
        refusedShown = true;
      } else if (refusedShown) {
        errorBox.hidden = true;  // the server's own errors of the last try stay until the next one
        refusedShown = false;
      }
      return !refused.length;
    }

    if (select && fileInput && formats) {
      select.addEventListener("change", followAssignment);
      fileInput.addEventListener("change", checkFiles);
      followAssignment();
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (select && fileInput && formats && !checkFiles()) return;
      errorBox.hidden = true;
      button.disabled = true;
      box.hidden = false;
      bar.value = 0;
      status.textContent = "Отправляем…";
      var files = Array.prototype.slice.call(fileInput ? fileInput.files : []);
      var chunked = window.pmResumableUpload && window.pmResumableUpload.supported;
      var videos = chunked ? files.filter(isVideo) : [];
      var others = files.filter(function (file) { return videos.indexOf(file) < 0; });
      var videoBytes = videos.reduce(function (sum, file) { return sum + file.size; }, 0);
      var total = files.reduce(function (sum, file) { return sum + file.size; }, 0);
      sendVideos(videos, total, function (sent) { show(sent, total); })
        .then(function (uids) { return sendForm(uids, others, videoBytes, total); })
        .then(function (body) {
          videos.forEach(window.pmResumableUpload.forget);
          bar.value = 100;
          status.textContent = "Готово! Работа ушла модератору.";
          window.location.assign(body.redirect || "/cabinet/");
        })
        .catch(function (error) {
          fail(error.message + (videos.length ? " Уже загруженное не пропадёт: выберите те же файлы и отправьте снова." : ""));
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-upload]").forEach(setup);
  });
})();
