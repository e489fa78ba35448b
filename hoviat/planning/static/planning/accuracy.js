// The promise-accuracy chart: data from the page's json_script, Persian digits, right to left.
(function () {
  const source = document.getElementById("accuracy-chart-data");
  const canvas = document.getElementById("accuracy-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const fa = new Intl.NumberFormat("fa-IR", {maximumFractionDigits: 1});
  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.datasets.map((d) => ({
        label: d.label, data: d.values, borderColor: d.colour, backgroundColor: d.colour,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: {rtl: true, position: "bottom"},
        tooltip: {rtl: true, callbacks: {label: (ctx) => ctx.dataset.label + ": " + fa.format(ctx.parsed.y) + "٪"}},
      },
      scales: {
        x: {reverse: true},
        y: {min: 0, max: 100, position: "right", ticks: {callback: (v) => fa.format(v) + "٪"}},
      },
    },
  });
  canvas.dataset.rendered = "true";
})();
