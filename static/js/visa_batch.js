/* The visa batch page: asks the JSON variant of the page for the progress every two seconds,
   updates the bar and the count, and reloads the page once the batch is finished (the page
   then lists the letters refused). Without JavaScript, the page refreshes itself. */
(function () {
  "use strict";
  var root = document.getElementById("visa-batch");
  if (!root || root.dataset.finished === "true") {
    return;
  }
  var url = root.dataset.jsonUrl;
  var bar = document.getElementById("visa-progress");
  var percent = document.getElementById("visa-percent");
  var count = document.getElementById("visa-count");
  var failed = document.getElementById("visa-failed");
  var plural = function (n) { return n > 1 ? "s" : ""; };

  function show(progress) {
    bar.value = progress.percent;
    bar.textContent = progress.percent + "\u00a0%";
    percent.textContent = progress.percent + "\u00a0%";
    count.textContent = progress.done + " / " + progress.total + " lettre" + plural(progress.total) +
      " visée" + plural(progress.total);
    failed.textContent = progress.failed ? ", " + progress.failed + " refusée" + plural(progress.failed) : "";
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
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
