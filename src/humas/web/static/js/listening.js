/* humas listening: draw Vega-Lite charts (each spec is JSON in the element's data-vl-spec attribute;
   htmx drops <script> elements from swapped content, so an attribute carries it).
   Vega's expressions run through vega-interpreter, so no eval is needed (the CSP forbids it). */
(function () {
  "use strict";
  function draw(root) {
    if (typeof window.vegaEmbed !== "function") return;
    (root || document).querySelectorAll(".vl-chart[data-vl-spec]:not([data-drawn])").forEach(function (el) {
      el.setAttribute("data-drawn", "1");
      var spec = JSON.parse(el.getAttribute("data-vl-spec"));
      var options = { renderer: "svg", actions: false, defaultStyle: false, tooltip: false, ast: true };
      if (window.vega && window.vega.expressionInterpreter) options.expr = window.vega.expressionInterpreter;
      window.vegaEmbed(el, spec, options).catch(function (err) {
        el.setAttribute("data-error", String(err));
      });
    });
  }
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
  window.addEventListener("load", function () { draw(document); });
})();
