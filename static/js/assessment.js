/* Assessment charts (ECharts): ranking bars, trend lines, topic radars. Data comes from json_script blocks. */
(function () {
  "use strict";

  function data(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  var builders = {
    bars: function (d) {
      return {
        grid: { left: 160, right: 30, top: 10, bottom: 30 },
        xAxis: { type: "value", min: 0, max: 100 },
        yAxis: { type: "category", inverse: true, data: d.names },
        tooltip: { trigger: "axis" },
        series: [{ type: "bar", data: d.scores, label: { show: true, position: "right" } }]
      };
    },
    trend: function (d) {
      return {
        legend: { type: "scroll", bottom: 0 },
        grid: { left: 40, right: 20, top: 20, bottom: 60 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: d.periods },
        yAxis: { type: "value", min: 0, max: 100 },
        series: d.series.map(function (s) { return { name: s.name, type: "line", data: s.data, connectNulls: false }; })
      };
    },
    radar: function (d) {
      return {
        legend: { bottom: 0 },
        tooltip: {},
        radar: { indicator: d.indicators, radius: "62%" },
        series: [{ type: "radar", data: d.series }]
      };
    },
    "radar-single": function (d) {
      return {
        tooltip: {},
        radar: { indicator: d.indicators, radius: "62%" },
        series: [{ type: "radar", data: [{ name: "得分", value: d.values }] }]
      };
    }
  };

  function render(root) {
    if (typeof window.echarts === "undefined") { return; }
    (root || document).querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var build = builders[el.getAttribute("data-chart")];
      var d = data(el);
      if (!build || !d) { return; }
      var existing = window.echarts.getInstanceByDom(el);
      if (existing) { existing.dispose(); }
      window.echarts.init(el).setOption(build(d));
    });
  }

  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.addEventListener("htmx:afterSwap", function (event) { render(event.target); });
  window.addEventListener("resize", function () {
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });

  // The what-if base follows the form: after an htmx preview, copy the form's values into the what-if base.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = document.getElementById("db-form");
    var whatif = document.getElementById("whatif-form");
    if (!form || !whatif || event.detail.elt !== form) { return; }
    var base = {};
    new FormData(form).forEach(function (value, key) {
      if (key === "csrfmiddlewaretoken" || key === "period" || key === "name" || key === "baseline") { return; }
      if (value === "") { base[key] = null; return; }
      if (key.slice(-12) === "_no_practice") { base[key] = Number(value); return; }
      if (key === "pt_vat_status" || key === "pt_cit_status") { base[key] = value; return; }
      var number = Number(value);
      base[key] = isNaN(number) ? value : number;
    });
    whatif.querySelector("input[name=base]").value = JSON.stringify(base);
  });
})();
