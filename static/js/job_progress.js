/* Follows the background jobs a page shows (a bulk reminder, a visa batch, an operation on the
   letters' PDFs, a synthesis report): for each element marked data-job-progress, asks its JSON
   (data-json-url) every 1.5 seconds, moves its bar (data-bar) and puts in its status
   (data-status, read out through aria-live) the sentence the server wrote with the page's own
   template, only when it changed, so that screen readers speak when the figures move. Once the
   job is finished, reloads the page to show its outcome, unless data-reload="false". Without
   JavaScript, each page refreshes itself or offers a refresh link. */
(function () {
  "use strict";

  function follow(root) {
    var url = root.dataset.jsonUrl;
    var reload = root.dataset.reload !== "false";
    var bar = root.querySelector("[data-bar]");
    var status = root.querySelector("[data-status]");
    var shown = null;

    function show(progress) {
      if (bar) {
        bar.max = progress.bar_max;
        bar.value = progress.bar_value;
        bar.textContent = progress.percent + "\u00a0%";
      }
      if (status && progress.status_html !== shown) {
        status.innerHTML = progress.status_html;
        shown = progress.status_html;
      }
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (progress) {
          show(progress);
          if (!progress.finished) {
            window.setTimeout(poll, 1500);
          } else if (reload) {
            root.dataset.finished = "true";
            window.setTimeout(function () { window.location.reload(); }, 500);
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
  }

  var roots = document.querySelectorAll("[data-job-progress]");
  for (var i = 0; i < roots.length; i += 1) {
    if (roots[i].dataset.finished !== "true") { follow(roots[i]); }
  }
})();
