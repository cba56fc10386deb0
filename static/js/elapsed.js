// Running jobs: the "running for" time ticks in the page, so the status panel only needs the
// server when something really changed.
(function () {
  "use strict";
  function text(seconds) {
    const minutes = Math.floor(seconds / 60);
    return minutes ? `running for ${minutes} min ${seconds % 60} s` : `running for ${seconds} s`;
  }
  setInterval(() => {
    document.querySelectorAll("[data-running-since]").forEach((el) => {
      const started = Date.parse(el.dataset.runningSince);
      if (!Number.isNaN(started)) el.textContent = text(Math.max(0, Math.round((Date.now() - started) / 1000)));
    });
  }, 1000);
})();
