// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // htmx requests carry the CSRF token from the <meta> tag.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) event.detail.headers["X-CSRFToken"] = meta.content;
  });

  // <button data-copy="#input-id"> copies the input's value and says so.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    var text = field.value || field.textContent;
    var done = function () {
      // Keep the markup (e.g. a visually hidden "the link of …"), not just its text.
      if (!button.hasAttribute("data-original")) button.setAttribute("data-original", button.innerHTML);
      clearTimeout(button._copyTimer);
      button.textContent = "Copied";
      button.setAttribute("aria-live", "polite");
      button._copyTimer = setTimeout(function () {
        button.innerHTML = button.getAttribute("data-original");
        button.removeAttribute("data-original");
      }, 1800);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { field.select(); document.execCommand("copy"); done(); });
    } else {
      field.select();
      document.execCommand("copy");
      done();
    }
  });

  // Signing out deletes what the door page kept on this device (static/door/door.js).
  document.addEventListener("submit", function (event) {
    var action = event.target.getAttribute("action") || "";
    if (!/\/logout\/?$/.test(action)) return;
    try {
      var doomed = [];
      for (var i = 0; i < window.localStorage.length; i++) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf("artsvp:door:") === 0) doomed.push(key);
      }
      doomed.forEach(function (key) { window.localStorage.removeItem(key); });
    } catch (error) { /* No storage: nothing kept. */ }
  });

  // <form data-confirm="Are you sure?"> asks before submitting.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
