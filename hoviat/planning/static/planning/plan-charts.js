// The capacity plan's charts: data from the page's json_script; Persian digits, right to left.
(function () {
  const source = document.getElementById("plan-chart-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const fa = new Intl.NumberFormat("fa-IR", {maximumFractionDigits: 1});
  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  const options = (legend) => ({
    responsive: true,
    interaction: {mode: "index", intersect: false},
    plugins: {
      legend: {display: legend, rtl: true, position: "bottom"},
      tooltip: {rtl: true, callbacks: {label: (ctx) => ctx.dataset.label + ": " + fa.format(ctx.parsed.y)}},
    },
    scales: {
      x: {reverse: true, ticks: {maxTicksLimit: 8}},
      y: {beginAtZero: true, position: "right", ticks: {callback: (v) => fa.format(v)}},
    },
  });
  const line = (id, datasets, legend) => {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.weeks,
        datasets: datasets.map(([label, values, colour]) => ({
          label: label, data: values, borderColor: colour, backgroundColor: colour, pointRadius: 0, spanGaps: true,
        })),
      },
      options: options(legend),
    });
    canvas.dataset.rendered = "true";
  };
  line("chart-queue", [["صف تولید", data.queue, "#2c7fb8"], ["نوبت‌های در انتظار", data.waiting, "#41b6c4"]], true);
  line("chart-lead", [["میانه", data.p50, "#7fcdbb"], ["صدک ۹۵", data.p95, "#253494"]], true);
  line("chart-cover", [["روز پوشش", data.cover, "#2c7fb8"]], false);
})();
