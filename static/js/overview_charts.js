// The overview's charts: DSFR Chart (static/vendor/dsfr-chart/) draws each <bar-chart> and
// <line-chart>. Their figures are hidden until this script runs, so that without JavaScript the
// page shows the data tables alone; they are hidden again if the library cannot be loaded.
const script = document.querySelector("script[data-library]");
const figures = document.querySelectorAll(".rupn-chart");
// On a phone, taller charts: the bars of four départements stay readable.
const narrow = window.matchMedia("(max-width: 36em)").matches;
figures.forEach((figure) => {
  figure.querySelectorAll("bar-chart, line-chart").forEach((chart) => {
    chart.setAttribute("aspect-ratio", narrow ? "1.1" : "2");
  });
  // Shown before the library defines the elements: a chart measures its container when drawn.
  figure.hidden = false;
});
import(script.dataset.library).catch(() => {
  figures.forEach((figure) => { figure.hidden = true; });
});
