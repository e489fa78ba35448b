// The card-body stock over time: data from the page's json_script "stock-data" (Jalali
// dates as labels, Persian digits on the axis); the page says «داده‌ای نیست» when empty.
(function () {
  const source = document.getElementById("stock-data");
  const canvas = document.getElementById("stock-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  if (!data.values.length) return;
  const fa = new Intl.NumberFormat("fa-IR");
  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  new Chart(canvas, {
    type: "line",
    data: {labels: data.labels, datasets: [{label: "موجودی بدنه کارت", data: data.values, stepped: true}]},
    options: {
      plugins: {
        legend: {rtl: true},
        tooltip: {rtl: true, callbacks: {label: (ctx) => fa.format(ctx.parsed.y)}},
      },
      scales: {
        x: {reverse: true},
        y: {beginAtZero: true, position: "right", ticks: {precision: 0, callback: (v) => fa.format(v)}},
      },
    },
  });
  canvas.dataset.rendered = "true";
})();
