// The brand page's live preview: the accent colour, logo, cover and footer as
// typed or chosen, before saving; the contrast the server will check
// (organizations/brand.py), computed the same way (WCAG 2.x). No inline
// style: custom properties are set through the CSSOM, which the CSP allows.
(function () {
  "use strict";
  var form = document.getElementById("brand-form");
  var preview = document.getElementById("brand-preview");
  if (!form || !preview) return;
  var accent = form.querySelector("[name=accent]");
  var contrast = document.getElementById("brand-contrast");

  function normalize(value) {
    var match = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim());
    if (!match) return null;
    var digits = match[1].toLowerCase();
    if (digits.length === 3) digits = digits.replace(/./g, "$&$&");
    return "#" + digits;
  }
  function channel(value) {
    var c = value / 255;
    return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }
  function luminance(colour) {
    var r = parseInt(colour.slice(1, 3), 16), g = parseInt(colour.slice(3, 5), 16), b = parseInt(colour.slice(5, 7), 16);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  }
  function ratio(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function say(template, values) {
    return template.replace("{ratio}", values.ratio).replace("{min}", values.min);
  }

  function showAccent() {
    var typed = accent.value.trim();
    var colour = typed ? normalize(typed) : preview.dataset.fallbackAccent;
    contrast.classList.remove("is-low");
    if (!colour) {
      contrast.textContent = contrast.dataset.invalid;
      contrast.classList.add("is-low");
      return;
    }
    preview.style.setProperty("--brand", colour);
    preview.style.setProperty("--brand-dark", colour);
    if (!typed) { contrast.textContent = ""; return; }
    var min = parseFloat(contrast.dataset.min);
    var value = ratio(colour, contrast.dataset.buttonText);
    var shown = { ratio: (Math.floor(value * 100) / 100).toFixed(2), min: min.toFixed(1) };
    if (value < min) {
      contrast.textContent = say(contrast.dataset.low, shown);
      contrast.classList.add("is-low");
    } else {
      contrast.textContent = say(contrast.dataset.ok, shown);
    }
  }

  function showImage(input, img, onShown) {
    var file = input.files && input.files[0];
    if (!file) return;
    // A data: URL (the CSP's img-src allows data:, not blob:).
    var reader = new FileReader();
    reader.onload = function () {
      img.src = reader.result;
      img.hidden = false;
      if (onShown) onShown();
    };
    reader.readAsDataURL(file);
  }

  accent.addEventListener("input", showAccent);
  var logoInput = form.querySelector("[name=logo]");
  var logo = document.getElementById("brand-preview-logo");
  var wordmark = document.getElementById("brand-preview-wordmark");
  logoInput.addEventListener("change", function () {
    showImage(logoInput, logo, function () { wordmark.hidden = true; });
  });
  var coverInput = form.querySelector("[name=cover]");
  var cover = document.getElementById("brand-preview-cover");
  coverInput.addEventListener("change", function () { showImage(coverInput, cover); });
  var footerInput = form.querySelector("[name=footer_text]");
  var footer = document.getElementById("brand-preview-footer");
  footerInput.addEventListener("input", function () {
    footer.textContent = footerInput.value.trim() || footer.dataset.fallback;
  });
  var removeLogo = form.querySelector("[name=remove_logo]");
  if (removeLogo) removeLogo.addEventListener("change", function () {
    logo.hidden = removeLogo.checked;
    wordmark.hidden = !removeLogo.checked;
  });
  var removeCover = form.querySelector("[name=remove_cover]");
  if (removeCover) removeCover.addEventListener("change", function () { cover.hidden = removeCover.checked; });
  showAccent();
})();
