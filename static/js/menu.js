// Header menus (<details class="menu">, templates/includes/_org_switcher.html)
// close like menus do: on Escape, handing focus back to their summary, and on
// a click or tap anywhere outside them.
(function () {
  "use strict";

  function openMenus() {
    return document.querySelectorAll("details.menu[open]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      var hadFocus = menu.contains(document.activeElement);
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary && (hadFocus || document.activeElement === document.body)) summary.focus();
    });
  });

  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
})();
