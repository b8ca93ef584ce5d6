/* The progress of a bulk reminder: asks the job's JSON for its figures every 1.5 seconds and
   updates the bar and the text (read out by screen readers through aria-live). On the job's own
   page, reloads once finished to show the outcome; on the list, says it is finished. Without
   JavaScript, the page offers a refresh link. */
(function () {
  "use strict";
  var root = document.getElementById("reminder-job");
  if (!root || root.dataset.finished === "true") {
    return;
  }
  var url = root.dataset.jsonUrl;
  var reload = root.dataset.reload === "true";
  var bar = document.getElementById("reminder-progress");
  var percent = document.getElementById("reminder-percent");
  var count = document.getElementById("reminder-count");
  var failed = document.getElementById("reminder-failed");
  var state = document.getElementById("reminder-state");
  var plural = function (n) { return n > 1 ? "s" : ""; };

  function show(progress) {
    bar.value = progress.percent;
    bar.textContent = progress.percent + "\u00a0%";
    percent.textContent = progress.percent + "\u00a0%";
    count.textContent = progress.done + " / " + progress.total + " personne" + plural(progress.total) +
      " relancée" + plural(progress.total);
    failed.textContent = progress.failed ? ", " + progress.failed + " envoi" + plural(progress.failed) + " en échec" : "";
    state.textContent = progress.finished ? "Relance terminée." : "Relance en cours…";
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
          if (reload) { window.location.reload(); }
        } else {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
})();
