// A job that ends while its page is open says so: the tab's title becomes "Ready · <title>"
// (seen from another tab) and the polite live region #job-announce reads "Your video is ready."
// (heard with a screen reader). The status panel is swapped in by htmx; its data attributes say
// what it shows.
(function () {
  "use strict";
  let ended = null;

  function check() {
    const panel = document.getElementById("job-live");
    const region = document.getElementById("job-announce");
    if (!panel || !region) return;
    const now = panel.dataset.jobEnded === "true";
    if (ended === false && now) {
      document.title = `${panel.dataset.jobStatusWords} · ${region.dataset.title}`;
      region.textContent = panel.dataset.announce || "";
    }
    ended = now;
  }

  document.addEventListener("DOMContentLoaded", check);
  document.addEventListener("htmx:afterSettle", check);
})();
