// Results carousel: one clip at a time, prev/next, dots, keyboard, swipe, fullscreen, Save clip.
// Without this script every clip is simply listed with its own download link.
(function () {
  "use strict";

  function enhance(root) {
    if (root.dataset.enhanced) return;
    root.dataset.enhanced = "true";
    const slides = Array.from(root.querySelectorAll("[data-slide]"));
    const dots = Array.from(root.querySelectorAll("[data-dot]"));
    const prev = root.querySelector("[data-prev]");
    const next = root.querySelector("[data-next]");
    const current = root.querySelector("[data-current]");
    const save = root.querySelector("[data-save-clip]");
    const full = root.querySelector("[data-fullscreen]");
    const key = "carousel:" + location.pathname;
    let active = Math.min(Number(sessionStorage.getItem(key) || 0), slides.length - 1);

    root.querySelectorAll("[data-carousel-only]").forEach((el) => (el.hidden = false));
    root.classList.add("is-enhanced");

    function show(index) {
      if (index < 0 || index >= slides.length) return; // ends are disabled, not wrapped
      active = index;
      sessionStorage.setItem(key, String(index));
      slides.forEach((slide, i) => {
        slide.hidden = i !== index;
        const video = slide.querySelector("video");
        if (video && i !== index) video.pause();
      });
      dots.forEach((dot, i) => {
        if (i === index) dot.setAttribute("aria-current", "true");
        else dot.removeAttribute("aria-current");
      });
      current.textContent = String(index + 1);
      prev.disabled = index === 0;
      next.disabled = index === slides.length - 1;
      const url = slides[index].dataset.download;
      save.hidden = !url;
      if (url) save.href = url;
      full.disabled = !slides[index].querySelector("video");
    }

    prev.addEventListener("click", () => show(active - 1));
    next.addEventListener("click", () => show(active + 1));
    dots.forEach((dot, i) => dot.addEventListener("click", () => show(i)));
    root.addEventListener("keydown", (event) => {
      if (event.target.closest("input, textarea, select")) return;
      if (event.key === "ArrowLeft") { show(active - 1); event.preventDefault(); }
      if (event.key === "ArrowRight") { show(active + 1); event.preventDefault(); }
    });

    let startX = null;
    let startY = null;
    root.addEventListener("touchstart", (event) => {
      startX = event.touches[0].clientX;
      startY = event.touches[0].clientY;
    }, { passive: true });
    root.addEventListener("touchend", (event) => {
      if (startX === null) return;
      const dx = event.changedTouches[0].clientX - startX;
      const dy = event.changedTouches[0].clientY - startY;
      startX = null;
      if (Math.abs(dx) > 40 && Math.abs(dx) > Math.abs(dy)) show(active + (dx < 0 ? 1 : -1));
    });

    full.addEventListener("click", () => {
      const video = slides[active].querySelector("video");
      if (!video) return;
      if (video.requestFullscreen) video.requestFullscreen().catch(() => {});
      else if (video.webkitEnterFullscreen) video.webkitEnterFullscreen(); // iOS Safari
    });

    show(active);
  }

  function init(scope) {
    (scope || document).querySelectorAll("[data-carousel]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", () => init());
  // The status panel swaps in fresh markup while clips arrive; enhance it as it lands.
  document.addEventListener("htmx:load", (event) => init(event.target));
})();
