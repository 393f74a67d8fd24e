// The owner's blank-links form: picking an invite type sets the count to what
// is left of that type (the page's #blank-remaining JSON), unless the owner
// typed a count of their own. Without it the count starts at the first type's.
(function () {
  "use strict";
  var data = document.getElementById("blank-remaining");
  var form = document.querySelector("#blank form");
  if (!data || !form) return;
  var remaining = JSON.parse(data.textContent);
  var count = form.querySelector("input[name='blank-count']");
  if (!count) return;
  var typed = false;
  count.addEventListener("input", function () { typed = true; });
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (typed || target.name !== "blank-invite_type" || !(target.value in remaining)) return;
    count.value = String(Math.max(1, remaining[target.value]));
  });
})();
