/* Draws the dashboard's charts with the vendored ECharts (no CDN, no map tiles). Each .chart-canvas names the
   <script type="application/json"> holding its figures (dashboard/charts.py Chart.spec). The table under each
   chart holds the same figures for screen readers and for printing. */
(function () {
  "use strict";
  var dark = document.body.classList.contains("screen");
  var text = dark ? "#e8eef5" : "#1a1a1a";
  var palette = ["#0b4f9c", "#b3261e", "#1e6b30", "#8a4b00", "#5b3c99", "#00707a"];

  function axisStyle() {
    return { axisLabel: { color: text }, axisLine: { lineStyle: { color: text } }, splitLine: { lineStyle: { opacity: 0.25 } } };
  }

  function trend(spec) {
    var twoAxes = spec.series.some(function (s) { return s.axis === 1; });
    var yAxis = [Object.assign({ type: "value", name: "件" }, axisStyle())];
    if (twoAxes) yAxis.push(Object.assign({ type: "value", name: "%", min: 0, max: 100 }, axisStyle()));
    return {
      tooltip: { trigger: "axis" },
      legend: { textStyle: { color: text, fontSize: 13 }, top: 0 },
      grid: { left: 48, right: twoAxes ? 48 : 16, top: 80, bottom: 32 },
      xAxis: Object.assign({ type: "category", data: spec.labels }, axisStyle()),
      yAxis: yAxis,
      series: spec.series.map(function (s) {
        return { name: s.name, type: s.type || "bar", yAxisIndex: s.axis || 0, data: s.data, connectNulls: true };
      })
    };
  }

  function ranking(spec) {
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { textStyle: { color: text, fontSize: 13 }, top: 0 },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      xAxis: Object.assign({ type: "value" }, axisStyle()),
      yAxis: Object.assign({ type: "category", data: spec.labels.slice().reverse() }, axisStyle()),
      series: spec.series.map(function (s) { return { name: s.name, type: "bar", data: s.data.slice().reverse() }; })
    };
  }

  function progress(spec) {
    var line = spec.threshold;
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 32, bottom: 32 },
      xAxis: Object.assign({ type: "category", data: spec.labels }, axisStyle()),
      yAxis: Object.assign({ type: "value", min: 0, max: 100, name: "%" }, axisStyle()),
      series: [{
        name: spec.series[0].name, type: "bar",
        data: spec.series[0].data.map(function (v) {
          return { value: v, itemStyle: { color: v >= line ? palette[2] : palette[0] } };
        }),
        label: { show: true, position: "top", color: text, formatter: "{c}%" },
        markLine: { symbol: "none", data: [{ yAxis: line, name: "生效比例" }], label: { formatter: "生效比例 {c}%", color: text },
                    lineStyle: { color: palette[1], type: "dashed", width: 2 } }
      }]
    };
  }

  function map(spec, id) {
    echarts.registerMap(id, spec.geo);
    var values = spec.series[0].data;
    var max = Math.max.apply(null, values.concat([1]));
    return {
      tooltip: { trigger: "item", formatter: "{b}：{c} 件" },
      visualMap: { min: 0, max: max, left: 8, bottom: 8, calculable: true, textStyle: { color: text },
                   inRange: { color: ["#f2f6fb", "#f6c28b", "#b3261e"] } },
      series: [{
        type: "map", map: id, roam: false, aspectScale: 0.86,
        label: { show: true, color: "#1a1a1a", fontSize: 11 },
        itemStyle: { borderColor: "#555", borderWidth: 1 },
        data: spec.labels.map(function (name, i) { return { name: name, value: values[i] }; })
      }]
    };
  }

  var builders = { trend: trend, ranking: ranking, progress: progress, map: map };

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source || !window.echarts) return;
    var spec = JSON.parse(source.textContent);
    var build = builders[spec.kind];
    if (!build) return;
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var option = build(spec, "minhu-" + spec.id);
    option.color = palette;
    option.animation = false;
    option.textStyle = { fontSize: 14, color: text };
    chart.setOption(option);
    el.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll() { document.querySelectorAll(".chart-canvas").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll); else drawAll();

  /* The big screen reloads its figures every few minutes, but never under someone reading it: not while a table is
     open, nor within a minute of a key, tap or scroll (a <meta refresh> would pull the page away mid-read). */
  var every = parseInt((document.querySelector("[data-refresh-seconds]") || { dataset: {} }).dataset.refreshSeconds, 10);
  if (every > 0) {
    var touched = Date.now();
    ["keydown", "pointerdown", "scroll", "focusin"].forEach(function (name) {
      window.addEventListener(name, function () { touched = Date.now(); }, { passive: true });
    });
    setInterval(function () {
      if (Date.now() - touched > 60000 && !document.querySelector("details[open]")) window.location.reload();
    }, every * 1000);
  }
})();
