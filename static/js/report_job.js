/* The progress of a synthesis report being prepared: asks the report's JSON every 1.5 seconds,
   updates the bar and the step (read out through aria-live), and reloads the page once the
   report is ready or has failed, to show its files or its error. Without JavaScript, the page
   refreshes itself and offers a refresh link. */
(function () {
  "use strict";
  var root = document.querySelector("[data-report-job]");
  if (!root || root.dataset.finished === "true") {
    return;
  }
  var url = root.dataset.jsonUrl;
  var bar = root.querySelector("[data-bar]");
  var percent = root.querySelector("[data-percent]");
  var step = root.querySelector("[data-step]");

  function show(progress) {
    bar.value = progress.percent;
    bar.textContent = progress.percent + "\u00a0%";
    percent.textContent = progress.percent + "\u00a0%";
    step.textContent = progress.step || progress.status_label;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (progress) {
        show(progress);
        if (progress.finished) {
          root.dataset.finished = "true";
          window.location.reload();
        } else {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
})();
