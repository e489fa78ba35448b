// GOV.UK error summary: move focus to it when the page loads, so a screen reader reads the
// errors first and a keyboard user can follow each link to its field. A link focuses the field.
(function () {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    if (!link) return;
    const field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    const group = field.closest("fieldset") || field.closest(".mb-3") || field;
    group.scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });
})();
