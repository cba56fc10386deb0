// Clip review: timecodes and timeline markers seek the video. A comment is about the whole clip
// unless its writer picks a moment: the "At 0:03" button (it follows the playhead) or a click on
// the timeline strip sets it, "Whole clip" clears it. Without JavaScript the links open the
// video at that moment (#t=) and the moment is typed as m:ss.
(function () {
  "use strict";

  function video() {
    return document.querySelector("[data-review-video]");
  }

  function timecode(seconds) {
    const whole = Math.max(0, Math.floor(seconds || 0));
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  }

  function momentField() {
    return document.querySelector("[data-comment-form] [data-comment-at]");
  }

  // The buttons say what they do now: "At <playhead>", and "Whole clip" only once a moment is set.
  function refresh() {
    const player = video();
    const field = momentField();
    const form = field && field.closest("[data-comment-form]");
    if (!form) return;
    const now = form.querySelector("[data-current-time]");
    const clear = form.querySelector("[data-clear-moment]");
    if (now && player) {
      now.hidden = false;
      now.querySelector("[data-playhead]").textContent = timecode(player.currentTime);
    }
    if (clear) clear.hidden = field.value.trim() === "";
  }

  function setMoment(seconds) {
    const field = momentField();
    if (!field) return;
    field.value = timecode(seconds);
    refresh();
  }

  // Markers sit along the strip at their moment (a list of links until then); where one may
  // comment, a click on the strip picks that moment.
  function placeMarkers(root) {
    root.querySelectorAll("[data-timeline]").forEach((strip) => {
      strip.classList.add("is-placed");
      strip.querySelectorAll("[data-percent]").forEach((marker) => {
        marker.style.left = marker.dataset.percent + "%";
      });
      if (momentField() && video()) {
        strip.classList.add("is-pickable");
        document.querySelectorAll("[data-timeline-hint]").forEach((hint) => { hint.hidden = false; });
      }
    });
  }

  document.addEventListener("click", (event) => {
    const player = video();
    const seek = event.target.closest("[data-seek]");
    if (seek && player) {
      event.preventDefault();
      player.currentTime = Number(seek.dataset.seek);
      player.scrollIntoView({ block: "nearest", behavior: "smooth" });
      player.focus();
      return;
    }
    const strip = event.target.closest("[data-timeline].is-pickable");
    if (strip && player && player.duration) {
      const box = strip.getBoundingClientRect();
      const share = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      player.currentTime = share * player.duration;
      if (!player.paused) player.pause();
      setMoment(player.currentTime);
      return;
    }
    if (event.target.closest("[data-current-time]") && player) {
      if (!player.paused) player.pause();
      setMoment(player.currentTime);
      return;
    }
    if (event.target.closest("[data-clear-moment]")) {
      const field = momentField();
      if (field) field.value = "";
      refresh();
      const body = document.querySelector("[data-comment-body]");
      if (body) body.focus();
    }
  });

  document.addEventListener("input", (event) => {
    if (event.target.matches("[data-comment-at]")) refresh();
  });

  function watchPlayer() {
    const player = video();
    if (!player || player.dataset.watched) return;
    player.dataset.watched = "1";
    ["timeupdate", "seeked", "loadedmetadata"].forEach((name) => player.addEventListener(name, refresh));
  }

  function enhance(root) {
    placeMarkers(root);
    watchPlayer();
    refresh();
  }

  // A comment, reply or verdict the server refuses (a link that has expired or was withdrawn
  // meanwhile, too many tries) or that never reaches it is not swapped in: the form keeps what
  // was typed, and says why above its buttons, in the words of the page the server answered.
  function refused(form, words) {
    let note = form.querySelector("[data-request-error]");
    if (!note) {
      note = document.createElement("p");
      note.className = "form-error";
      note.setAttribute("role", "alert");
      note.dataset.requestError = "";
      form.prepend(note);
    }
    note.textContent = words;
  }

  function answeredWords(xhr) {
    const page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    const main = page.querySelector("main h1");
    const said = main ? [main, main.nextElementSibling].filter(Boolean) : [];
    const words = said.map((element) => element.textContent.trim()).join(". ");
    return words || "That did not go through (the server answered " + xhr.status + ").";
  }

  document.addEventListener("htmx:responseError", (event) => {
    const form = event.detail.elt.closest("form");
    if (form) refused(form, answeredWords(event.detail.xhr));
  });

  document.addEventListener("htmx:sendError", (event) => {
    const form = event.detail.elt.closest("form");
    if (form) refused(form, "The server could not be reached: nothing was sent. Try again in a moment.");
  });

  document.addEventListener("DOMContentLoaded", () => enhance(document));
  document.addEventListener("htmx:afterSettle", () => enhance(document));
})();
