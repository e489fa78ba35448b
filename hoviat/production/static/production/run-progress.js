// A running personalisation run's progress on the runs page, without reloading: polls the
// run's JSON (data-progress-url) every two seconds and moves the <progress> bar; stops when
// the run has ended and says how it ended.
(function () {
  const box = document.querySelector("[data-progress-url]");
  if (!box) return;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-progress-text]");
  const url = box.dataset.progressUrl;
  const every = 2000;
  const show = (data) => {
    bar.value = data.percent;
    bar.textContent = data.percent + "٪";
    text.textContent = data.text + (data.stop_reason ? " — " + data.stop_reason : "");
    box.dataset.status = data.status;
    box.dataset.done = String(data.done);
  };
  const poll = () => {
    fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin", cache: "no-store"})
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        show(data);
        if (data.running) {
          window.setTimeout(poll, every);
        } else {
          box.classList.remove("alert-info");
          box.classList.add(data.status === "completed" ? "alert-success" : "alert-warning");
        }
      })
      .catch(() => {
        text.textContent = "پیشرفت اجرا خوانده نشد؛ صفحه را دوباره باز کنید.";
      });
  };
  window.setTimeout(poll, every);
})();
