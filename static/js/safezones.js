// "Safe zones" toggles: show, over a video, the bands at the top and bottom that a platform
// covers with its own interface. The bands' heights come from data attributes (fractions of
// the height) and, like the overlay's box (the picture inside the video element, which may be
// letterboxed), are set through the CSSOM, which the content security policy allows.
// The overlay lets clicks through, so the video's controls keep working under it.
(function () {
  "use strict";

  function fit(video, overlay) {
    const width = video.videoWidth || Number(video.getAttribute("width")) || 16;
    const height = video.videoHeight || Number(video.getAttribute("height")) || 9;
    const scale = Math.min(video.clientWidth / width, video.clientHeight / height);
    const shownWidth = width * scale;
    const shownHeight = height * scale;
    overlay.style.left = video.offsetLeft + (video.clientWidth - shownWidth) / 2 + "px";
    overlay.style.top = video.offsetTop + (video.clientHeight - shownHeight) / 2 + "px";
    overlay.style.width = shownWidth + "px";
    overlay.style.height = shownHeight + "px";
  }

  function setUp(button) {
    if (button.dataset.enhanced) return;
    button.dataset.enhanced = "true";
    const holder = button.closest("li") || button.parentElement;
    const overlay = holder.querySelector("[data-safe-zones]");
    const video = overlay && overlay.parentElement.querySelector("video");
    if (!video) return;
    [["top", overlay.dataset.safeTop], ["bottom", overlay.dataset.safeBottom]].forEach(([side, value]) => {
      const band = overlay.querySelector(".safe-" + side);
      band.style.height = (Number(value) || 0) * 100 + "%";
      band.hidden = !Number(value); // a platform that covers nothing there: no band
    });
    const refit = () => { if (!overlay.hidden) fit(video, overlay); };
    video.addEventListener("loadedmetadata", refit);
    window.addEventListener("resize", refit);
    button.hidden = false;
    button.addEventListener("click", () => {
      const on = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", String(on));
      overlay.hidden = !on;
      refit();
    });
  }

  function init(scope) {
    (scope || document).querySelectorAll("[data-safe-zones-toggle]").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", () => init());
  document.addEventListener("htmx:load", (event) => init(event.target));
})();
