/* 守望 console: progressive enhancement only. Every page works without this file (charts have data
   tables, progress rows have a reload link); with ECharts (served locally from /static/vendor/, see
   docs/frontend.md) the [data-chart] containers get charts. No inline scripts: data comes from
   <script type="application/json"> blocks written by Django's json_script. */
(function () {
  "use strict";

  var NAVY = "#1f3a60", BLUE = "#3b6db3", GREEN = "#17692e", ORANGE = "#b06000", RED = "#b3261e";
  var FONT = '"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif';

  function data(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    if (!source) return null;
    try { return JSON.parse(source.textContent); } catch (e) { return null; }
  }

  var builders = {
    trend: function (d) {
      var colours = { warnings: "#9fb6d6", identified: RED, eliminated: GREEN, monitored: NAVY };
      return {
        grid: { left: 48, right: 48, top: 36, bottom: 28 },
        legend: { top: 0 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: d.months },
        yAxis: [{ type: "value", name: "户" }, { type: "value", name: "监测对象", splitLine: { show: false } }],
        series: d.series.map(function (s) {
          return {
            name: s.name, type: s.type, data: s.data, yAxisIndex: s.key === "monitored" ? 1 : 0,
            itemStyle: { color: colours[s.key] }, smooth: false, symbolSize: 5,
            barMaxWidth: 22
          };
        })
      };
    },
    // One line per series: ``d.rows[*][key]`` (the risk-type trend) or ``d[key].series`` (the area trend).
    // Months without a screening are null in the data: a gap in the line, never a zero.
    lines: function (d, el) {
      var key = el.getAttribute("data-key");
      var palette = [NAVY, RED, GREEN, ORANGE, BLUE, "#6a3fb5", "#0f766e", "#9d174d", "#475467", "#a16207",
        "#1d4ed8", "#15803d"];
      var series = d[key] && d[key].series ? d[key].series : (d.rows || []).map(function (r) {
        return { name: r.label || r.name, data: r[key] };
      });
      return {
        color: palette,
        grid: { left: 44, right: 16, top: 54, bottom: 28 },
        legend: { top: 0, type: "scroll" },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: d.months },
        yAxis: { type: "value", minInterval: 1 },
        series: series.map(function (s) {
          return { name: s.name, type: "line", data: s.data, connectNulls: false, symbolSize: 5 };
        })
      };
    },
    donut: function (d) {
      return {
        tooltip: { trigger: "item", formatter: "{b}：{c}户（{d}%）" },
        series: [{
          type: "pie", radius: ["48%", "76%"], label: { formatter: "{b}\n{c}" },
          data: d.map(function (x) { return { name: x.label, value: x.value, itemStyle: { color: x.colour } }; })
        }]
      };
    },
    hbar: function (d, el) {
      var rows = d.slice(0, 8).reverse();
      return {
        grid: { left: 110, right: 40, top: 6, bottom: 20 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: rows.map(function (x) { return x.label; }) },
        series: [{ type: "bar", data: rows.map(function (x) { return x.value; }), barMaxWidth: 16,
          itemStyle: { color: el.getAttribute("data-colour") || NAVY },
          label: { show: true, position: "right" } }]
      };
    },
    income: function (d) {
      return {
        grid: { left: 60, right: 20, top: 30, bottom: 24 },
        legend: { top: 0 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: d.periods },
        yAxis: { type: "value", name: "元/人·年" },
        series: [
          { name: "人均纯收入", type: "line", data: d.per_capita, itemStyle: { color: NAVY } },
          { name: "人均收入参考值", type: "line", data: d.reference, itemStyle: { color: BLUE }, lineStyle: { type: "dashed" } },
          { name: "监测范围", type: "line", step: "end", data: d.threshold, itemStyle: { color: ORANGE }, symbol: "none" }
        ]
      };
    }
  };

  function renderCharts(root) {
    if (!window.echarts) return; // no charting library: the data tables remain
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var build = builders[el.getAttribute("data-chart")];
      var d = data(el);
      if (!build || !d || el.getAttribute("data-rendered")) return;
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      var option = build(d, el);
      option.textStyle = { fontFamily: FONT };
      option.animation = false;
      chart.setOption(option);
      el.setAttribute("data-rendered", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function ready() {
    if (window.echarts) document.body.classList.add("charts");
    renderCharts(document);
    var errors = document.getElementById("errors");
    if (errors) errors.focus(); // a refused action: screen readers hear the reasons first
    document.body.addEventListener("htmx:afterSwap", function (e) { renderCharts(e.target); });
    document.body.classList.add("js");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
