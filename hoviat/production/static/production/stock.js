// The card-body stock over time: data from the page's json_script "stock-data".
(function () {
  const source = document.getElementById("stock-data");
  const canvas = document.getElementById("stock-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "line",
    data: {labels: data.labels, datasets: [{label: "موجودی بدنه کارت", data: data.values, stepped: true}]},
    options: {plugins: {legend: {rtl: true}}},
  });
  canvas.dataset.rendered = "true";
})();
