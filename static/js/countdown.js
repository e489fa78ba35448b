// Countdowns kept out of the HTML (CSP: no inline scripts). An element with
// data-countdown-until="<ISO time>" shows the minutes and seconds left in Persian digits;
// at zero it shows its data-countdown-expired text and its data-countdown-region (if any)
// gets the class "countdown-expired". The server still decides: this only informs.
(function () {
  const digits = "۰۱۲۳۴۵۶۷۸۹";
  const fa = (n) => String(n).padStart(2, "0").replace(/[0-9]/g, (d) => digits[d]);
  const clocks = Array.from(document.querySelectorAll("[data-countdown-until]"));
  if (!clocks.length) return;
  function tick() {
    let running = false;
    for (const el of clocks) {
      const left = Math.max(0, Math.floor((Date.parse(el.dataset.countdownUntil) - Date.now()) / 1000));
      if (left > 0) {
        running = true;
        el.textContent = fa(Math.floor(left / 60)) + ":" + fa(left % 60);
      } else if (!el.dataset.countdownDone) {
        el.dataset.countdownDone = "1";
        el.textContent = el.dataset.countdownExpired || fa(0) + ":" + fa(0);
        const region = el.closest("[data-countdown-region]");
        if (region) region.classList.add("countdown-expired");
      }
    }
    if (running) window.setTimeout(tick, 1000);
  }
  tick();
})();
