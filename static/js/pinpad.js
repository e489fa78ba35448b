// The holder's PIN pad: on-screen keys type into the PIN field last focused (the simulator
// of a counter PIN pad; a physical keyboard works too).
(function () {
  "use strict";
  const form = document.querySelector("[data-testid='pin-pad']");
  if (!form) return;
  const fields = Array.from(form.querySelectorAll("input[type='password']"));
  let current = fields[0];
  fields.forEach(function (field) {
    field.addEventListener("focus", function () { current = field; });
  });
  form.querySelectorAll("[data-key]").forEach(function (button) {
    button.addEventListener("click", function () {
      const key = button.dataset.key;
      if (!current) return;
      if (key === "back") {
        current.value = current.value.slice(0, -1);
      } else if (key === "next") {
        const next = fields[fields.indexOf(current) + 1];
        if (next) current = next;
      } else if (current.value.length < (current.maxLength > 0 ? current.maxLength : 8)) {
        current.value += key;
      }
      current.focus();
    });
  });
})();
