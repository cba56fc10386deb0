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
      // A single clip has no navigation at all.
      if (current) current.textContent = String(index + 1);
      if (prev) prev.disabled = index === 0;
      if (next) next.disabled = index === slides.length - 1;
      const url = slides[index].dataset.download;
      save.hidden = !url;
      if (url) save.href = url;
      full.disabled = !slides[index].querySelector("video");
    }

    if (prev) prev.addEventListener("click", () => show(active - 1));
    if (next) next.addEventListener("click", () => show(active + 1));
    dots.forEach((dot, i) => dot.addEventListener("click", () => show(i)));
    root.carouselMove = (step) => show(active + step);

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

  // Arrows move the carousel once it is on screen, wherever the focus is, except where the
  // arrows already mean something: seeking in a video, moving in a field or a menu.
  function onScreen(el) {
    const box = el.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight && box.width > 0;
  }

  document.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.closest("video, audio, input, textarea, select, [contenteditable]:not([contenteditable='false']), [role='slider'], [role='listbox'], [role='menu']")) return;
    const root = Array.from(document.querySelectorAll("[data-carousel].is-enhanced")).find(onScreen);
    if (!root || !root.carouselMove || !root.querySelector("[data-next]")) return;
    root.carouselMove(event.key === "ArrowLeft" ? -1 : 1);
    event.preventDefault();
  });

  function init(scope) {
    (scope || document).querySelectorAll("[data-carousel]").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", () => init());
  // The status panel swaps in fresh markup while clips arrive; enhance it as it lands.
  document.addEventListener("htmx:load", (event) => init(event.target));
})();
