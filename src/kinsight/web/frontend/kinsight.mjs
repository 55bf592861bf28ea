// Progressive enhancement only: every page works without this file.
import { initAll } from "./govuk-frontend.min.js";

// GOV.UK Frontend only initialises components when <body> says modules are supported; its
// template does this with an inline script, which our content security policy forbids.
document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Charts: each <div data-kinsight-chart="ID"> names a <script type="application/json" id="ID">
// holding a Plotly figure. Plotly is served locally; cloud sharing is switched off.
for (const element of document.querySelectorAll("[data-kinsight-chart]")) {
  const source = document.getElementById(element.dataset.kinsightChart);
  if (!source || !window.Plotly) continue;
  const figure = JSON.parse(source.textContent);
  window.Plotly.newPlot(element, figure.data, figure.layout, {
    displaylogo: false,
    showSendToCloud: false,
    responsive: true,
  });
}
