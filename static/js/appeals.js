/* 诉求闭环 pages: the figures' charts (every bar opens the appeals behind it) and the dispatch picker. */
(function () {
  "use strict";

  function barChart(id, labels, values, links, suffix) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") { return; }
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 24, bottom: 64 },
      xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: labels.length > 4 ? 30 : 0 } },
      yAxis: { type: "value", axisLabel: { formatter: "{value}" + suffix } },
      series: [{ type: "bar", data: values, itemStyle: { color: "#0b5cad" },
                 label: { show: true, position: "top", formatter: "{c}" + suffix } }]
    });
    chart.on("click", function (params) {
      var link = links[params.dataIndex];
      if (link) { window.location.href = link; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function trendChart(id, months, labels) {
    // Appeals per month as bars (right axis), the three rates as lines (left axis); a point opens its list.
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined" || !months.length) { return; }
    var chart = echarts.init(el);
    var series = [{ name: "诉求数", type: "bar", yAxisIndex: 1, itemStyle: { color: "#c9d8ea" },
                    data: months.map(function (m) { return m.total; }) }];
    var colors = ["#0b5cad", "#1a7f37", "#b35900"];
    labels.forEach(function (label, i) {
      series.push({ name: label, type: "line", yAxisIndex: 0, connectNulls: false, itemStyle: { color: colors[i] },
                    data: months.map(function (m) { return m.rates[i].percent; }) });
    });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 56, top: 40, bottom: 40 },
      xAxis: { type: "category", data: months.map(function (m) { return m.month; }) },
      yAxis: [{ type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
              { type: "value", axisLabel: { formatter: "{value}" }, splitLine: { show: false } }],
      series: series
    });
    chart.on("click", function (params) {
      var m = months[params.dataIndex];
      var link = params.seriesIndex === 0 ? m.link : m.rates[params.seriesIndex - 1].link;
      if (link) { window.location.href = link; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function charts() {
    var node = document.getElementById("appeal-chart-data");
    if (!node) { return; }
    var data = JSON.parse(node.textContent);
    barChart("chart-stages", data.stages.map(function (s) { return s.label; }),
      data.stages.map(function (s) { return s.count; }), data.stages.map(function (s) { return s.link; }), "");
    barChart("chart-rates", data.rates.map(function (r) { return r.label; }),
      data.rates.map(function (r) { return r.percent === null ? 0 : r.percent; }),
      data.rates.map(function (r) { return r.link; }), "%");
    trendChart("chart-trend", data.trend, data.rates.map(function (r) { return r.label; }));
  }

  function dispatchPicker() {
    // Choosing "another department" clears the suggested radio, so the form sends one lead only.
    var other = document.querySelector("[data-other-lead]");
    if (!other || other.name !== "lead_department_other") { return; }
    other.addEventListener("change", function () {
      var radios = document.querySelectorAll("#dispatch-form input[name=lead_department]");
      radios.forEach(function (r) { if (other.value) { r.checked = false; } });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { charts(); dispatchPicker(); });
})();
