// 管家覆盖率: the bar chart of coverage by region; clicking a bar opens the list behind it.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("coverage-chart");
    var data = document.getElementById("coverage-data");
    if (!el || !data || typeof echarts === "undefined") { return; }
    var rows = JSON.parse(data.textContent);
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: ["有主责管家", "无主责管家"] },
      grid: { left: 60, right: 20, bottom: 80 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { rotate: 30 } },
      yAxis: { type: "value", name: "户" },
      series: [
        { name: "有主责管家", type: "bar", stack: "all", data: rows.map(function (r) { return r.covered; }) },
        { name: "无主责管家", type: "bar", stack: "all", data: rows.map(function (r) { return r.uncovered; }) }
      ]
    });
    chart.on("click", function (p) {
      var row = rows[p.dataIndex];
      var covered = p.seriesName === "有主责管家" ? "yes" : "no";
      window.location.href = "/registry/enterprises/?status=operating&covered=" + covered + "&region=" + encodeURIComponent(row.code);
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
