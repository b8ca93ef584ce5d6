/* The page of bulk operations on the letters' PDFs: for each operation in progress, asks its
   JSON progress every 1.5 seconds, moves the bar and the count, and reloads the page once the
   operation is over (the page then offers the archive or lists the errors). Without
   JavaScript, the page shows the figures and a link refreshes them. */
(function () {
  "use strict";
  var plural = function (n) { return n > 1 ? "s" : ""; };

  function follow(root) {
    var url = root.dataset.jsonUrl;
    var bar = root.querySelector("[data-bar]");
    var count = root.querySelector("[data-count]");
    var failed = root.querySelector("[data-failed]");
    var state = root.querySelector("[data-state]");
    var shown = count.textContent;

    function show(progress) {
      bar.max = Math.max(progress.total, 1);
      bar.value = progress.done;
      bar.textContent = progress.percent + "\u00a0%";
      var text = progress.done + " / " + progress.total + " lettre" + plural(progress.total);
      if (text !== shown) {  // the live region speaks only when the figure moves
        count.textContent = text;
        shown = text;
      }
      failed.textContent = progress.failed ? ", dont " + progress.failed + " en échec" : "";
      state.textContent = progress.finished ? progress.status_label + "." :
        (progress.status === "queued" ? "En attente d’un traitement…" : "En cours…");
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
            window.setTimeout(function () { window.location.reload(); }, 800);
          } else {
            window.setTimeout(poll, 1500);
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
  }

  var roots = document.querySelectorAll("[data-pdf-job]");
  for (var i = 0; i < roots.length; i += 1) { follow(roots[i]); }
})();
