// Solves the sign-in form's proof-of-work challenge (an ALTCHA v1 challenge, self-hosted):
// find the number n <= maxNumber with SHA-256(salt + n) == challenge, then send the form
// again with the solution. No inline script (the pages run under a strict CSP), no CDN.
(function () {
  "use strict";

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  async function solve(challenge) {
    var encoder = new TextEncoder();
    for (var n = 0; n <= challenge.maxNumber; n++) {
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge.salt + n));
      if (hex(digest) === challenge.challenge) {
        return n;
      }
    }
    return null;
  }

  async function run(form) {
    var challenge = JSON.parse(form.dataset.powChallenge);
    var button = form.querySelector("button[type=submit]");
    var status = form.querySelector("[data-pow-status]");
    button.disabled = true;
    var number = await solve(challenge);
    if (number === null) {
      if (status) status.textContent = "حل معما ممکن نشد؛ صفحه را دوباره بارگیری کنید.";
      return;
    }
    form.elements.challenge_solution.value = btoa(
      JSON.stringify({
        algorithm: challenge.algorithm,
        challenge: challenge.challenge,
        number: number,
        salt: challenge.salt,
        signature: challenge.signature,
      })
    );
    if (status) status.textContent = "معما حل شد؛ در حال ارسال…";
    button.disabled = false;
    form.requestSubmit();
  }

  document.querySelectorAll("form[data-pow-challenge]").forEach(function (form) {
    run(form);
  });
})();
