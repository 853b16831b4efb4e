/* Town autocomplete on the registration form: suggestions from /api/settlements/ (biggest towns
   first, narrowed by the chosen region) fill the field's <datalist>. Without scripts, or when the
   API does not answer, the field stays a plain text input: any town may be typed. */
(function () {
  "use strict";
  var input = document.querySelector("input[data-settlements-url]");
  if (!input || !window.fetch) return;
  var list = document.getElementById(input.getAttribute("list"));
  var region = input.form && input.form.querySelector("select[name=region]");
  var timer = null;
  var asked = "";

  function regionCode() {
    var option = region && region.options[region.selectedIndex];
    return option ? option.getAttribute("data-code") || "" : "";
  }

  function suggest() {
    var query = input.value.trim();
    var key = query + "|" + regionCode();
    if (query.length < 2 || key === asked) return;
    asked = key;
    var url = input.getAttribute("data-settlements-url") + "?q=" + encodeURIComponent(query);
    if (regionCode()) url += "&region=" + encodeURIComponent(regionCode());
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (rows) {
        if (input.value.trim() !== query) return; // the child typed on meanwhile
        list.textContent = "";
        rows.forEach(function (row) {
          var option = document.createElement("option");
          option.value = row.name;
          option.label = row.region ? row.name + " — " + row.region : row.name;
          list.appendChild(option);
        });
      })
      .catch(function () { /* no suggestions: the field still takes any town */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, 200);
  });
  if (region) region.addEventListener("change", function () { asked = ""; });
})();
