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
      // The word in the page's language (base.html <body data-copied>).
      button.textContent = document.body.getAttribute("data-copied") || "Copied";
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

  // <button data-share-url="…" data-share-title="…" data-share-text="…" hidden> opens the
  // device's share sheet (the Web Share API). Rendered hidden: shown only where the
  // browser can share, so no browser shows a button that does nothing.
  var showShareButtons = function (root) {
    if (typeof navigator.share !== "function") return;
    root.querySelectorAll("[data-share-url][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  };
  showShareButtons(document);
  document.addEventListener("htmx:load", function (event) { showShareButtons(event.target); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-share-url]");
    if (!button || typeof navigator.share !== "function") return;
    var shared = { url: button.getAttribute("data-share-url") };
    if (button.hasAttribute("data-share-title")) shared.title = button.getAttribute("data-share-title");
    if (button.hasAttribute("data-share-text")) shared.text = button.getAttribute("data-share-text");
    // Closing the share sheet rejects the promise: nothing to report.
    navigator.share(shared).catch(function () {});
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
