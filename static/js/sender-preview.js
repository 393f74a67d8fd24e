// The owner's sender name page: the From line's preview follows what is typed,
// built as artsvp/emails.py builds it ("<name> via <organizer>", the portal's
// name when blank, one line, capped). The server renders the same on load and
// after a save, so without this script the page still shows the saved line.
(function () {
  "use strict";
  var data = document.getElementById("from-preview-data");
  var form = document.getElementById("sender-form");
  var shown = document.getElementById("from-preview-name");
  if (!data || !form || !shown) return;
  var preview = JSON.parse(data.textContent);
  var input = form.querySelector("input[name='sender_name']");
  if (!input) return;

  function clean(value) {
    return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, " ").split(/\s+/).filter(Boolean).join(" ");
  }
  function cut(value, length) {
    return value.length <= length ? value : value.slice(0, length - 1).replace(/\s+$/, "") + "\u2026";
  }
  function compose(name) {
    return preview.format.replace("%(sender)s", name).replace("%(organization)s", preview.via);
  }
  function line(value) {
    var name = clean(value) || clean(preview.fallback);
    var via = clean(preview.via);
    if (!name || !via || name.toLowerCase() === via.toLowerCase()) return cut(name || via, preview.max);
    var full = compose(name);
    var excess = full.length - preview.max;
    if (excess > 0) full = compose(cut(name, Math.max(2, name.length - excess)));
    return cut(full, preview.max);
  }
  input.addEventListener("input", function () { shown.textContent = line(input.value); });
})();
