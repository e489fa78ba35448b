// Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can refuse
// inline scripts: confirmations on forms that say data-confirm, and Bootstrap tooltips.
(function () {
  document.addEventListener("submit", (event) => {
    const question = event.target.dataset ? event.target.dataset.confirm : undefined;
    if (question && !window.confirm(question)) event.preventDefault();
  });
  if (typeof bootstrap !== "undefined") {
    document.querySelectorAll('[data-bs-toggle="tooltip"]').forEach((el) => new bootstrap.Tooltip(el));
  }
})();
