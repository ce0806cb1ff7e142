// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    // A select marked data-autosubmit submits its form on change; its fallback button is then not needed.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
      var fallback = select.form.querySelector("[data-autosubmit-fallback]");
      if (fallback) { fallback.hidden = true; }
    });

    // Destructive buttons ask first.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });

    // A file over the upload limit is refused before it is sent, with the same message the server gives.
    document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
      input.addEventListener("change", function () {
        var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
        var file = input.files && input.files[0];
        input.setCustomValidity(file && file.size > limit ? "The file is larger than the limit of " + limit + " bytes." : "");
        input.reportValidity();
      });
    });
  });
})();
