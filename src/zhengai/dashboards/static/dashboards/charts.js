// Draws every chart of the page from the figure JSON the server computed (data-figure on a div).
(function () {
  function draw(root) {
    (root || document).querySelectorAll("[data-figure]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var figure = JSON.parse(el.dataset.figure);
      var layout = Object.assign({margin: {l: 48, r: 16, t: 24, b: 40}, autosize: true,
        font: {family: "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif", size: 12}},
        figure.layout || {});
      Plotly.newPlot(el, figure.data, layout, {displaylogo: false, responsive: true,
        modeBarButtonsToRemove: ["lasso2d", "select2d"]});
      // A point that carries a link (customdata: its measurement, or the measurements a total counts) opens it.
      el.on("plotly_click", function (ev) {
        var point = ev.points && ev.points[0];
        var url = point && point.customdata;
        if (typeof url === "string" && url.charAt(0) === "/") window.location.href = url;
      });
      el.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
