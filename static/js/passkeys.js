// Persian words for django-otp-webauthn's passkey buttons. The library's own status messages
// are English, so its status line stays hidden and its events are answered here instead.
(function () {
  "use strict";
  // The library calls gettext() from its catalog script, which loads `async`: a click before
  // it arrives would throw. Its words are never shown here, so the identity is enough.
  if (typeof window.gettext !== "function") {
    window.gettext = function (text) {
      return text;
    };
  }
  const MESSAGES = {
    "otp_webauthn.register_start": "در انتظار کلید عبور…",
    "otp_webauthn.register_complete": "کلید عبور ثبت شد.",
    "otp_webauthn.register_failed": "ثبت کلید عبور انجام نشد. دوباره تلاش کنید.",
    "otp_webauthn.verification_start": "در انتظار کلید عبور…",
    "otp_webauthn.verification_complete": "تأیید شد.",
    "otp_webauthn.verification_failed": "تأیید با کلید عبور انجام نشد. دوباره تلاش کنید.",
  };

  function show(event) {
    const status = document.getElementById("passkey-status");
    if (status && !(event.detail && event.detail.fromAutofill)) {
      status.textContent = MESSAGES[event.type];
    }
  }

  Object.keys(MESSAGES).forEach(function (type) {
    document.addEventListener(type, show);
  });

  // A new passkey signs this session past the second factor: go on where the staff member
  // was going (the verification's own answer carries its redirect, so it needs nothing).
  document.addEventListener("otp_webauthn.register_complete", function () {
    const box = document.querySelector("[data-passkey-next]");
    window.location.assign((box && box.dataset.passkeyNext) || "/");
  });
})();
