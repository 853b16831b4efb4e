/* Contest work upload with a progress bar. The form works without JavaScript; with it the files go
   up through XMLHttpRequest so the student sees how far the upload is. */
(function () {
  "use strict";

  function setup(form) {
    var box = form.querySelector("[data-upload-progress]");
    var bar = box.querySelector("progress");
    var status = form.querySelector("[data-upload-status]");
    var errorBox = form.querySelector("[data-upload-error]");
    var button = form.querySelector("button[type=submit]");

    function fail(message) {
      errorBox.textContent = message;
      errorBox.hidden = false;
      button.disabled = false;
      errorBox.focus && errorBox.scrollIntoView({ block: "center" });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      errorBox.hidden = true;
      button.disabled = true;
      box.hidden = false;
      bar.value = 0;
      status.textContent = "Отправляем…";
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", window.pmCsrfToken ? window.pmCsrfToken() : "");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.round((100 * e.loaded) / e.total);
        bar.value = percent;
        bar.textContent = percent + "%";
        status.textContent = "Загружено " + percent + "% (" + (e.loaded / 1048576).toFixed(1) + " из " + (e.total / 1048576).toFixed(1) + " МБ)";
      });
      xhr.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300) {
          bar.value = 100;
          status.textContent = "Готово! Работа ушла модератору.";
          window.location.assign(body.redirect || "/cabinet/");
        } else {
          fail((window.pmErrorText && window.pmErrorText(body, "")) || "Не получилось отправить работу (код " + xhr.status + "). Попробуйте ещё раз.");
        }
      });
      xhr.addEventListener("error", function () {
        fail("Связь прервалась. Проверьте интернет и отправьте ещё раз.");
      });
      xhr.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-upload]").forEach(setup);
  });
})();
