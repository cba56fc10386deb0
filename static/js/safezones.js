// "Safe zones" toggles: show, over a video, the bands at the top and bottom that a platform
// covers with its own interface. The bands' heights come from data attributes (fractions of
// the height) and are set through the CSSOM, which the content security policy allows.
// The overlay lets clicks through, so the video's controls keep working under it.
(function () {
  "use strict";

  function setUp(button) {
    if (button.dataset.enhanced) return;
    button.dataset.enhanced = "true";
    const holder = button.closest("li") || button.parentElement;
    const overlay = holder.querySelector("[data-safe-zones]");
    if (!overlay) return;
    const top = Number(overlay.dataset.safeTop) || 0;
    const bottom = Number(overlay.dataset.safeBottom) || 0;
    overlay.querySelector(".safe-top").style.height = top * 100 + "%";
    overlay.querySelector(".safe-bottom").style.height = bottom * 100 + "%";
    button.hidden = false;
    button.addEventListener("click", () => {
      const on = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", String(on));
      overlay.hidden = !on;
    });
  }

  function init(scope) {
    (scope || document).querySelectorAll("[data-safe-zones-toggle]").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", () => init());
  document.addEventListener("htmx:load", (event) => init(event.target));
})();
