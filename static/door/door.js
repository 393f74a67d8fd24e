// The door page (templates/door/door.html): camera scanning, fetch-and-swap of the
// page's forms, live search, and the offline copy with its queue of scans.
// Every decision is the server's (door/checkins.py); offline, this script only
// recognises a code from the copy's SHA-256 fingerprints and queues the scan,
// which the server decides when it syncs (first write wins).
//
// What this device keeps (localStorage, keys "artsvp:door:*"): the copy of the
// door's accepted guests (names, party sizes, windows, who is in, code
// fingerprints), scans not yet synced, the conflicts list, the device id, the
// gate and express mode. Deleted at sign-out (static/js/app.js), when the server
// answers that this door is no longer this person's, when another person uses
// the door on this browser, and after the copy's keep_until (a day after the event).
(function () {
  "use strict";

  var root = document.getElementById("door");
  if (!root) return;

  var PREFIX = "artsvp:door:";
  var DEBOUNCE_MS = 3000;
  var FRAME_MS = 150;
  var REFRESH_MS = 60000;
  var doorKey = root.getAttribute("data-door-key");
  var texts = document.getElementById("door-texts").dataset;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.content : "";

  // --- Local storage ----------------------------------------------------------------

  function load(name, fallback) {
    try {
      var raw = window.localStorage.getItem(PREFIX + name);
      return raw ? JSON.parse(raw) : fallback;
    } catch (error) {
      return fallback;
    }
  }

  function save(name, value) {
    try {
      window.localStorage.setItem(PREFIX + name, JSON.stringify(value));
    } catch (error) {
      /* Storage full or refused: the door still works online. */
    }
  }

  function clearDoorData() {
    var doomed = [];
    for (var i = 0; i < window.localStorage.length; i++) {
      var key = window.localStorage.key(i);
      if (key && key.indexOf(PREFIX) === 0) doomed.push(key);
    }
    doomed.forEach(function (key) { window.localStorage.removeItem(key); });
  }

  // Another person signed in on this browser: nothing of the last one's stays.
  var owner = root.getAttribute("data-door-user");
  if (load("owner", owner) !== owner) clearDoorData();
  save("owner", owner);

  // Copies past their keep_until (a day after their event) are deleted.
  (function dropExpired() {
    var now = Date.now();
    var doomed = [];
    for (var i = 0; i < window.localStorage.length; i++) {
      var key = window.localStorage.key(i);
      if (!key || key.indexOf(PREFIX + "snapshot:") !== 0) continue;
      var snap = load(key.slice(PREFIX.length), null);
      if (!snap || !snap.keep_until || Date.parse(snap.keep_until) < now) doomed.push(key.slice((PREFIX + "snapshot:").length));
    }
    doomed.forEach(function (door) {
      ["snapshot:", "queue:", "conflicts:"].forEach(function (kind) {
        window.localStorage.removeItem(PREFIX + kind + door);
      });
    });
  })();

  function randomHex(bytes) {
    var values = new Uint8Array(bytes);
    window.crypto.getRandomValues(values);
    return Array.prototype.map.call(values, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function uuid() {
    if (window.crypto.randomUUID) return window.crypto.randomUUID();
    return randomHex(16);
  }

  var device = load("device", "");
  if (!device) {
    device = "phone-" + randomHex(4);
    save("device", device);
  }

  var gateInput = document.getElementById("door-gate");
  var expressInput = document.getElementById("door-express");
  gateInput.value = load("gate", "");
  expressInput.checked = !!load("express", false);
  gateInput.addEventListener("input", function () { save("gate", gateInput.value.slice(0, 64)); });
  expressInput.addEventListener("change", function () { save("express", expressInput.checked); });
  document.getElementById("door-settings").addEventListener("submit", function (event) { event.preventDefault(); });

  function fillDeviceFields(form) {
    form.querySelectorAll("[data-door-device]").forEach(function (field) { field.value = device; });
    form.querySelectorAll("[data-door-gate]").forEach(function (field) { field.value = gateInput.value.slice(0, 64); });
    form.querySelectorAll("[data-door-express]").forEach(function (field) { field.value = expressInput.checked ? "on" : ""; });
  }

  // --- Online / offline ---------------------------------------------------------------

  var net = document.getElementById("door-net");
  var netText = net.querySelector(".door-net-text");
  var queueBadge = document.getElementById("door-queue");
  var online = navigator.onLine !== false;

  function setOnline(value) {
    online = value;
    net.classList.toggle("is-offline", !value);
    netText.textContent = value ? netText.getAttribute("data-online") : netText.getAttribute("data-offline");
  }

  function queue() { return load("queue:" + doorKey, []); }

  function showQueue() {
    var waiting = queue().length;
    queueBadge.hidden = waiting === 0;
    queueBadge.textContent = waiting ? "· " + waiting + " " + texts.queued : "";
    root.setAttribute("data-queued", String(waiting));
  }

  function signedOut() {
    clearDoorData();
    showQueue();
    var slot = document.getElementById("door-result");
    slot.textContent = "";
    var note = document.createElement("p");
    note.className = "alert error";
    note.textContent = texts.signedOut;
    slot.appendChild(note);
  }

  // A redirect (to the login page), 401, 403 or 404: this door is no longer ours.
  function refused(response) {
    return response.type === "opaqueredirect" || response.status === 401 || response.status === 403 || response.status === 404;
  }

  function request(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.redirect = "manual";
    options.headers = Object.assign({ "X-Door-Partial": "1", "X-CSRFToken": csrf }, options.headers || {});
    return window.fetch(url, options).then(function (response) {
      setOnline(true);
      return response;
    }, function (error) {
      setOnline(false);
      throw error;
    });
  }

  // --- The server's answers swapped in ----------------------------------------------------

  var resultSlot = document.getElementById("door-result");
  var walkInBlank = document.getElementById("door-walk-in").innerHTML;
  var codeForm = document.getElementById("door-code-form");
  var codeInput = codeForm.querySelector('input[name="code"]');

  function swap(target, html) {
    if (target === "walk-in") {
      document.getElementById("door-walk-in").innerHTML = html;
      return;
    }
    resultSlot.innerHTML = html;
    var walkInForm = document.getElementById("door-walk-in-form");
    if (walkInForm && walkInForm.dataset.pending === "1") {
      // Let in: a blank form (and no errors of an earlier try) for the next walk-in.
      document.getElementById("door-walk-in").innerHTML = walkInBlank;
    }
    refreshCounts();
  }

  function refocus() {
    codeInput.value = "";
    codeInput.focus({ preventScroll: true });
  }

  function submitForm(form) {
    fillDeviceFields(form);
    var codeField = form.querySelector('input[name="code"]');
    var code = codeField ? codeField.value : "";
    // Offline, express mode lets the guest in; otherwise the copy shows the party to tap.
    var offlinePersons = expressInput.checked ? [0] : null;
    if (!online && code) {
      offlineScan(code, offlinePersons);
      refocus();
      return;
    }
    if (form.getAttribute("data-door-form") === "walk-in") form.dataset.pending = "1";
    request(form.action, { method: "POST", body: new FormData(form) }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 404) {
        signedOut();
        return;
      }
      var target = response.headers.get("X-Door-Target") || "result";
      return response.text().then(function (html) {
        swap(target, html);
        if (form === codeForm) refocus();
      });
    }, function () {
      if (code) {
        offlineScan(code, offlinePersons);
        refocus();
      } else {
        showLocalPanel("error", texts.noConnection, null);
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-door-form")) return;
    event.preventDefault();
    submitForm(form);
  });

  // --- Search -----------------------------------------------------------------------------

  var searchInput = document.getElementById("door-q");
  var searchResults = document.getElementById("door-search-results");
  var searchUrl = root.getAttribute("data-search-url");
  var minSearch = parseInt(searchInput.getAttribute("minlength"), 10) || 3;
  var searchTimer = null;

  function runSearch() {
    var query = searchInput.value.trim();
    if (query.length < minSearch) {
      searchResults.innerHTML = "";
      return;
    }
    request(searchUrl + "?q=" + encodeURIComponent(query)).then(function (response) {
      if (refused(response)) return signedOut();
      return response.text().then(function (html) {
        if (searchInput.value.trim() === query) searchResults.innerHTML = html;
      });
    }, function () { /* Offline: search needs the server. */ });
  }

  searchInput.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 250);
  });
  document.getElementById("door-search-form").addEventListener("submit", function (event) {
    event.preventDefault();
    runSearch();
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-door-guest]");
    if (!link) return;
    event.preventDefault();
    request(link.href).then(function (response) {
      if (refused(response)) return signedOut();
      return response.text().then(function (html) {
        swap("result", html);
        resultSlot.scrollIntoView({ block: "start" });
      });
    }, function () { showLocalPanel("error", texts.noConnection, null); });
  });

  // --- Live counts (htmx polls them; a scan refreshes them at once) -----------------------

  function refreshCounts() {
    var counts = document.getElementById("door-counts");
    if (!counts) return;
    request(counts.getAttribute("hx-get")).then(function (response) {
      if (!response.ok) return;
      return response.text().then(function (html) {
        var current = document.getElementById("door-counts");
        if (!current) return;
        current.outerHTML = html;
        if (window.htmx) window.htmx.process(document.getElementById("door-counts"));
      });
    }, function () {});
  }

  // --- Offline: the copy, the queue and the sync ------------------------------------------

  var snapshotUrl = root.getAttribute("data-snapshot-url");
  var syncUrl = root.getAttribute("data-sync-url");
  var syncing = false;

  function normalize(code) {
    // As door/models.py normalize_code: no spaces or dashes, upper case.
    return code.replace(/\s+/g, "").replace(/-/g, "").toUpperCase();
  }

  function sha256(text) {
    if (!window.crypto || !window.crypto.subtle || !window.TextEncoder) return Promise.resolve(null);
    return window.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (buffer) {
      return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    });
  }

  function refreshSnapshot() {
    return request(snapshotUrl, { headers: { Accept: "application/json" } }).then(function (response) {
      if (refused(response)) return signedOut();
      if (!response.ok) return;
      return response.json().then(function (snap) {
        save("snapshot:" + doorKey, snap);
        root.setAttribute("data-snapshot-guests", String(snap.guests.length));
      });
    }, function () {});
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // A result the script builds itself (offline): all text set as text, never HTML.
  function showLocalPanel(state, verdict, guest, onPerson, clientRef) {
    var panel = el("section", "door-result door-" + state + " is-offline");
    panel.id = "door-result-panel";
    if (clientRef) panel.setAttribute("data-client-ref", clientRef);
    panel.setAttribute("data-state", state);
    var head = el("div", "door-result-head");
    var icon = el("span", "door-icon", { checked_in: "✓", ready: "→", error: "?", unknown_code: "?" }[state] || "!");
    icon.setAttribute("aria-hidden", "true");
    head.appendChild(icon);
    var words = el("div");
    words.appendChild(el("p", "door-verdict", verdict));
    if (guest) words.appendChild(el("p", "door-name", guest.name));
    head.appendChild(words);
    panel.appendChild(head);
    if (state !== "error") panel.appendChild(el("p", "door-message", texts.offlineNote));
    if (guest) {
      var facts = el("dl", "door-facts");
      var party = el("div");
      party.appendChild(el("dt", null, texts.party));
      party.appendChild(el("dd", null, texts.partyText.replace("{party}", guest.party).replace("{inside}", guest.people_in.length)));
      facts.appendChild(party);
      if (guest.window) {
        var windowRow = el("div");
        windowRow.appendChild(el("dt", null, texts.window));
        var times = guest.window_starts_at ? " · " + new Date(guest.window_starts_at).toTimeString().slice(0, 5) + "–" + new Date(guest.window_ends_at).toTimeString().slice(0, 5) : "";
        windowRow.appendChild(el("dd", null, guest.window + times));
        facts.appendChild(windowRow);
      }
      panel.appendChild(facts);
      var chips = el("div", "door-chips");
      for (var person = 0; person < guest.party; person++) {
        var label = person === 0 ? texts.guest : "+" + person;
        if (guest.people_in.indexOf(person) !== -1) {
          chips.appendChild(el("span", "door-chip is-in", "✓ " + label));
        } else {
          var button = el("button", "door-chip", texts.letIn + " " + label);
          button.type = "button";
          button.setAttribute("data-person", String(person));
          button.addEventListener("click", onPerson);
          chips.appendChild(button);
        }
      }
      panel.appendChild(chips);
    }
    resultSlot.textContent = "";
    resultSlot.appendChild(panel);
  }

  function enqueue(normalized, persons) {
    var items = queue();
    var clientRef = uuid();
    items.push({
      client_ref: clientRef,
      code: normalized,
      persons: persons,
      device: device,
      gate: gateInput.value.slice(0, 64),
      scanned_at: new Date().toISOString()
    });
    save("queue:" + doorKey, items);
    showQueue();
    return clientRef;
  }

  // persons null: show the party (nothing queued until staff tap who comes in).
  function offlineScan(code, persons) {
    var normalized = normalize(code);
    if (!normalized) return;
    sha256(normalized).then(function (hash) {
      var snap = load("snapshot:" + doorKey, null);
      var guest = null;
      if (hash && snap) {
        for (var i = 0; i < snap.guests.length; i++) {
          if (snap.guests[i].code_sha256 === hash) { guest = snap.guests[i]; break; }
        }
      }
      if (!guest) {
        // Not in the copy (a newer guest, or a wrong code): the server decides when it syncs.
        showLocalPanel("unknown_code", texts.offlineUnknown, null, null, enqueue(normalized, persons || [0]));
        return;
      }
      var onPerson = function (event) {
        offlineScan(code, [parseInt(event.currentTarget.getAttribute("data-person"), 10)]);
      };
      if (persons === null) {
        var allIn = guest.people_in.length >= guest.party;
        showLocalPanel(allIn ? "already_checked_in" : "ready", allIn ? texts.offlineAlready : texts.offlineReady, guest, onPerson);
        return;
      }
      var clientRef = enqueue(normalized, persons);
      var already = persons.every(function (p) { return guest.people_in.indexOf(p) !== -1; });
      persons.forEach(function (p) { if (guest.people_in.indexOf(p) === -1) guest.people_in.push(p); });
      save("snapshot:" + doorKey, snap);
      showLocalPanel(already ? "already_checked_in" : "checked_in", already ? texts.offlineAlready : texts.offlineIn, guest, onPerson, clientRef);
    });
  }

  var conflictsBox = document.getElementById("door-conflicts");
  var conflictList = document.getElementById("door-conflict-list");

  function showConflicts() {
    var conflicts = load("conflicts:" + doorKey, []);
    conflictsBox.hidden = conflicts.length === 0;
    conflictList.textContent = "";
    conflicts.forEach(function (conflict) {
      var item = el("li");
      if (conflict.name) item.appendChild(el("strong", null, conflict.name + ": "));
      item.appendChild(document.createTextNode(conflict.message));
      conflictList.appendChild(item);
    });
  }

  document.getElementById("door-conflicts-clear").addEventListener("click", function () {
    save("conflicts:" + doorKey, []);
    showConflicts();
  });

  // The offline panel still on screen says what the server decided.
  function markSynced(result) {
    var panel = document.getElementById("door-result-panel");
    if (!panel || panel.getAttribute("data-client-ref") !== result.client_ref) return;
    var state = result.conflict ? (result.outcome === "already_checked_in" ? "already_checked_in" : "error") : "checked_in";
    panel.className = "door-result door-" + state;
    panel.setAttribute("data-state", state);
    panel.querySelector(".door-verdict").textContent = result.conflict ? result.message : texts.synced;
    panel.querySelector(".door-icon").textContent = state === "checked_in" ? "✓" : "!";
    if (result.name && !panel.querySelector(".door-name")) {
      panel.querySelector(".door-verdict").parentNode.appendChild(el("p", "door-name", result.name));
    }
    var note = panel.querySelector(".door-message");
    if (note) note.remove();
    var chips = panel.querySelector(".door-chips");
    if (chips) chips.remove();
  }

  function sync() {
    var items = queue();
    if (syncing || !items.length) return Promise.resolve();
    syncing = true;
    var batch = items.slice(0, 500);
    return request(syncUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ items: batch })
    }).then(function (response) {
      if (refused(response)) return signedOut();
      if (!response.ok) return;
      return response.json().then(function (answer) {
        var done = {};
        var conflicts = load("conflicts:" + doorKey, []);
        answer.results.forEach(function (result) {
          done[result.client_ref] = true;
          if (result.conflict) conflicts.push({ name: result.name || "", message: result.message });
          markSynced(result);
        });
        save("conflicts:" + doorKey, conflicts);
        save("queue:" + doorKey, queue().filter(function (item) { return !done[item.client_ref]; }));
        showQueue();
        showConflicts();
        refreshCounts();
        return refreshSnapshot();
      });
    }, function () {}).then(function () { syncing = false; }, function () { syncing = false; });
  }

  window.addEventListener("online", function () { setOnline(true); sync(); });
  window.addEventListener("offline", function () { setOnline(false); });
  setInterval(function () {
    if (!navigator.onLine) return;
    sync().then(refreshSnapshot);
  }, REFRESH_MS);

  // A request failed while the browser still says online (a flaky network): try again soon.
  setInterval(function () {
    if (!online && navigator.onLine) refreshSnapshot().then(sync);
  }, 10000);

  setOnline(online);
  showQueue();
  showConflicts();
  if (online) sync().then(refreshSnapshot);

  // --- The camera ---------------------------------------------------------------------------

  var toggle = document.getElementById("door-camera-toggle");
  var cameraBox = document.getElementById("door-camera");
  var video = document.getElementById("door-video");
  var canvas = document.getElementById("door-canvas");
  var cameraError = document.getElementById("door-camera-error");
  var stream = null;
  var timer = null;
  var busy = false;
  var detector = null;
  var lastCode = "";
  var lastAt = 0;

  // A decoder: the browser's BarcodeDetector where it reads QR codes, else the vendored jsQR.
  function makeDecoder() {
    if ("BarcodeDetector" in window) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") !== -1) {
          detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          return function () {
            return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
          };
        }
        return jsQrDecoder();
      }, jsQrDecoder);
    }
    return Promise.resolve(jsQrDecoder());
  }

  function jsQrDecoder() {
    if (typeof window.jsQR !== "function") return null;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return function () {
      var width = video.videoWidth;
      var height = video.videoHeight;
      if (!width || !height) return Promise.resolve(null);
      var scale = Math.min(1, 640 / width);
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      return Promise.resolve(found ? found.data : null);
    };
  }

  function codeRead(code) {
    var now = Date.now();
    // A code held in front of the camera is read once, not every frame.
    if (code === lastCode && now - lastAt < DEBOUNCE_MS) return;
    lastCode = code;
    lastAt = now;
    codeInput.value = code;
    submitForm(codeForm);
  }

  function stopCamera() {
    clearInterval(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    cameraBox.hidden = true;
    toggle.textContent = toggle.getAttribute("data-start");
    toggle.setAttribute("aria-pressed", "false");
  }

  function startCamera() {
    cameraError.hidden = true;
    makeDecoder().then(function (decode) {
      if (!decode) throw new Error(texts.noDecoder);
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (media) {
        stream = media;
        video.srcObject = media;
        cameraBox.hidden = false;
        toggle.textContent = toggle.getAttribute("data-stop");
        toggle.setAttribute("aria-pressed", "true");
        return video.play().then(function () {
          timer = setInterval(function () {
            if (busy) return;
            busy = true;
            decode().then(function (code) {
              busy = false;
              if (code) codeRead(code);
            }, function () { busy = false; });
          }, FRAME_MS);
        });
      }, function () { throw new Error(texts.noCamera); });
    }).catch(function (error) {
      stopCamera();
      cameraError.textContent = error.message || texts.noCamera;
      cameraError.hidden = false;
    });
  }

  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    toggle.hidden = false;
    toggle.setAttribute("aria-pressed", "false");
    toggle.addEventListener("click", function () {
      if (stream) stopCamera(); else startCamera();
    });
  }
})();
