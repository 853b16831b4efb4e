// VK's «allow messages from the community» widget; its `key` comes back in the message_allow event.
(function () {
  var box = document.getElementById("vk-allow-messages");
  if (!box) return;
  var script = document.createElement("script");
  script.src = "https://vk.com/js/api/openapi.js?169";
  script.onload = function () {
    window.VK.Widgets.AllowMessagesFromCommunity(
      "vk-allow-messages", { height: 30, key: box.dataset.key }, Number(box.dataset.group)
    );
  };
  document.head.appendChild(script);
})();
