// The report charts: data from the page's json_script, Persian digits, right to left.
(function () {
  const source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const fa = new Intl.NumberFormat("fa-IR");
  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  const common = {
    responsive: true,
    plugins: {
      legend: {display: false, rtl: true},
      tooltip: {rtl: true, callbacks: {label: (ctx) => fa.format(ctx.parsed.y)}},
    },
    scales: {
      x: {reverse: true},
      y: {beginAtZero: true, position: "right", ticks: {precision: 0, callback: (v) => fa.format(v)}},
    },
  };
  const draw = (id, type, series, label, colour) => {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, {
      type: type,
      data: {labels: series.labels, datasets: [{label: label, data: series.values, backgroundColor: colour, borderColor: colour, pointRadius: 0, fill: false}]},
      options: common,
    });
    canvas.dataset.rendered = "true";
  };
  draw("chart-monthly", "bar", data.monthly, "درخواست‌ها", "#2c7fb8");
  draw("chart-queue", "line", data.queue, "در صف تولید", "#41b6c4");
  draw("chart-lead", "bar", data.lead, "کارت‌ها", "#253494");
})();
