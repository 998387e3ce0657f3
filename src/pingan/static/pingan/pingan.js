// Pingan's small behaviours. Everything works without them; they save taps.
(function () {
  "use strict";

  // A select or checkbox that submits its form as soon as it changes.
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.requestSubmit();
  });

  // Filter dropdowns show how many values are ticked.
  function countTicks(root) {
    root.querySelectorAll("[data-count-for]").forEach(function (badge) {
      var ticked = root.querySelectorAll('input[name="' + badge.dataset.countFor + '"]:checked').length;
      badge.textContent = ticked ? ticked : "";
    });
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form");
    if (form) countTicks(form);
  });

  // "Use my location": the phone's position fills latitude and longitude.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-geolocate]");
    if (!button) return;
    var form = button.form;
    var status = form.querySelector("[data-geolocate-status]");
    if (!navigator.geolocation) {
      status.textContent = button.dataset.msgUnavailable;
      return;
    }
    status.textContent = button.dataset.msgWaiting;
    navigator.geolocation.getCurrentPosition(function (position) {
      form.querySelector('[name="latitude"]').value = position.coords.latitude.toFixed(6);
      form.querySelector('[name="longitude"]').value = position.coords.longitude.toFixed(6);
      status.textContent = button.dataset.msgDone;
    }, function () {
      status.textContent = button.dataset.msgFailed;
    }, { enableHighAccuracy: true, timeout: 15000 });
  });

  // A field asked only for some choices of a select (a promised date for a class B or C
  // reply): the select names it (data-reveals) and the values that ask for it
  // (data-reveal-when, space-separated). Without script the field is always shown.
  function reveal(select) {
    var field = select.form && select.form.querySelector('[name="' + select.dataset.reveals + '"]');
    if (!field) return;
    var wanted = select.dataset.revealWhen.split(" ").indexOf(select.value) !== -1;
    field.closest(".mb-3").hidden = !wanted;
    field.disabled = !wanted; // a date left in a hidden field is not sent
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-reveals]")) reveal(event.target);
  });

  // Reported vs closed per month: bars and a line, from a json_script block.
  function drawCharts() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var data = JSON.parse(document.getElementById(element.dataset.chart).textContent);
      var chart = echarts.init(element);
      chart.setOption({
        textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 16, top: 40, bottom: 30 },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: data.labels.reported, type: "bar", data: data.reported, itemStyle: { color: "#0d6efd" } },
          { name: data.labels.closed, type: "line", data: data.closed, itemStyle: { color: "#198754" } }
        ]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  // Ranks over time: one line per unit, first place at the top.
  function drawRankCharts() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-rank-chart]").forEach(function (element) {
      var data = JSON.parse(document.getElementById(element.dataset.rankChart).textContent);
      var chart = echarts.init(element);
      chart.setOption({
        textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", top: 0 },
        grid: { left: 36, right: 16, top: 48, bottom: 30 },
        xAxis: { type: "category", data: data.periods },
        yAxis: { type: "value", inverse: true, min: 1, minInterval: 1, name: data.label },
        series: data.series.map(function (line) {
          return { name: line.name, type: "line", data: line.data, connectNulls: false, symbolSize: 6 };
        })
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(countTicks);
    document.querySelectorAll("select[data-reveals]").forEach(reveal);
    drawCharts();
    drawRankCharts();
  });
})();
