// Live progress of a queued or running scan: polls a small JSON endpoint and reloads the page once it finishes.
(function () {
  "use strict";

  var POLL_MS = 2500;
  var MAX_BACKOFF_MS = 20000;

  function start(root) {
    var url = root.getAttribute("data-progress-url");
    var bar = root.querySelector("progress");
    var percent = root.querySelector("[data-progress-percent]");
    var status = root.querySelector("[data-progress-status]");
    var delay = POLL_MS;

    function schedule() { window.setTimeout(poll, delay); }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          delay = POLL_MS;
          if (bar) { bar.value = data.progress; }
          if (percent) { percent.textContent = data.progress + "%"; }
          if (status) { status.textContent = data.status_display; }
          if (data.finished) {
            window.location.reload();
            return;
          }
          schedule();
        })
        .catch(function () {
          // The server may be restarting: keep trying, less often.
          delay = Math.min(delay * 2, MAX_BACKOFF_MS);
          schedule();
        });
    }

    schedule();
  }

  function init() {
    document.querySelectorAll("[data-progress-url]").forEach(start);
  }

  if (document.readyState !== "loading") { init(); } else { document.addEventListener("DOMContentLoaded", init); }
})();
