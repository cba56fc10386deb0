// Clip review: timecodes and timeline markers seek the video; the comment form's moment is
// filled with the video's current time when someone starts writing (or asks for it). Without
// JavaScript the links open the video at that moment (#t=) and the moment is typed as m:ss.
(function () {
  "use strict";

  function video() {
    return document.querySelector("[data-review-video]");
  }

  function timecode(seconds) {
    const tenths = Math.floor(seconds * 10) / 10;
    const minutes = Math.floor(tenths / 60);
    const rest = (tenths - minutes * 60).toFixed(1).padStart(4, "0");
    return minutes + ":" + rest;
  }

  // Markers sit along the strip at their moment (a list of links until then).
  function placeMarkers(root) {
    root.querySelectorAll("[data-timeline]").forEach((strip) => {
      strip.classList.add("is-placed");
      strip.querySelectorAll("[data-percent]").forEach((marker) => {
        marker.style.left = marker.dataset.percent + "%";
      });
    });
  }

  function fillMoment(form, always) {
    const player = video();
    const field = form.querySelector("[data-comment-at]");
    if (!player || !field) return;
    if (always || (field.value === "" && !field.dataset.touched)) {
      field.value = timecode(player.currentTime || 0);
      if (!player.paused) player.pause();
    }
  }

  function enhanceForms(root) {
    root.querySelectorAll("[data-comment-form] [data-current-time]").forEach((button) => {
      if (video()) button.hidden = false;
    });
  }

  document.addEventListener("click", (event) => {
    const seek = event.target.closest("[data-seek]");
    const player = video();
    if (seek && player) {
      event.preventDefault();
      player.currentTime = Number(seek.dataset.seek);
      player.scrollIntoView({ block: "nearest", behavior: "smooth" });
      player.focus();
      return;
    }
    const now = event.target.closest("[data-current-time]");
    if (now) fillMoment(now.closest("form"), true);
  });

  // The first keystroke (or focus) in the comment pins it to the moment on screen.
  document.addEventListener("focusin", (event) => {
    if (event.target.matches("[data-comment-body]")) fillMoment(event.target.form, false);
  });
  document.addEventListener("input", (event) => {
    if (event.target.matches("[data-comment-at]")) event.target.dataset.touched = "1";
    if (event.target.matches("[data-comment-body]")) fillMoment(event.target.form, false);
  });

  function enhance(root) {
    placeMarkers(root);
    enhanceForms(root);
  }

  document.addEventListener("DOMContentLoaded", () => enhance(document));
  document.addEventListener("htmx:afterSettle", () => enhance(document));
})();
