/* The batch screen: refresh the progress of running batches every two seconds until they finish. */
(function () {
  "use strict";
  var table = document.querySelector("[data-batches]");
  if (!table) return;

  function running() {
    return Array.prototype.filter.call(table.querySelectorAll("tr[data-batch]"), function (row) {
      return row.getAttribute("data-finished") !== "1";
    });
  }

  function poll() {
    var rows = running();
    if (!rows.length) return;
    var ids = rows.map(function (row) { return row.getAttribute("data-batch"); }).join(",");
    fetch(table.getAttribute("data-progress-url") + "?ids=" + ids, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        body.batches.forEach(function (batch) {
          var row = table.querySelector('tr[data-batch="' + batch.id + '"]');
          if (!row) return;
          row.querySelector("[data-bar]").value = batch.percent;
          row.querySelector("[data-summary]").textContent = batch.summary;
          row.querySelector("[data-status]").textContent =
            batch.status_display + (batch.error ? ": " + batch.error : "");
          row.setAttribute("data-finished", batch.finished ? "1" : "0");
        });
      })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 2000); });
  }

  window.setTimeout(poll, 1000);
})();
