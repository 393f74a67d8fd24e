// The event form's time zone menu starts at the organizer's own zone on a
// first event (events/forms.py EventForm.preselect_browser_zone). Browsers may
// report an old name (Asia/Calcutta); the menu lists only current ones, so
// the alias is looked up in the map the server sends along.
(function () {
  "use strict";

  function preselect() {
    var select = document.querySelector("select[data-browser-zone]");
    if (!select || !window.Intl || !Intl.DateTimeFormat) return;
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    if (!zone) return;
    var aliases = {};
    try {
      aliases = JSON.parse(select.getAttribute("data-zone-aliases") || "{}");
    } catch (error) { /* No map: only listed names can be picked. */ }
    var candidates = [zone, aliases[zone]];
    for (var i = 0; i < candidates.length; i++) {
      var name = candidates[i];
      if (!name) continue;
      for (var j = 0; j < select.options.length; j++) {
        if (select.options[j].value === name) {
          select.value = name;
          return;
        }
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", preselect);
  } else {
    preselect();
  }
})();
