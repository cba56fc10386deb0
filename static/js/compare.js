// Compare view: the videos play, pause and seek together (the one being used leads).
(function () {
  "use strict";
  document.querySelectorAll("[data-compare]").forEach((root) => {
    const videos = Array.from(root.querySelectorAll("[data-compare-video]"));
    let following = false;
    function follow(leader, action) {
      if (following) return;
      following = true;
      videos.filter((v) => v !== leader).forEach((video) => {
        if (Math.abs(video.currentTime - leader.currentTime) > 0.15) {
          video.currentTime = Math.min(leader.currentTime, video.duration || leader.currentTime);
        }
        if (action === "play") video.play().catch(() => {});
        if (action === "pause") video.pause();
      });
      following = false;
    }
    videos.forEach((video) => {
      video.muted = video !== videos[videos.length - 1]; // one soundtrack at a time
      video.addEventListener("play", () => follow(video, "play"));
      video.addEventListener("pause", () => follow(video, "pause"));
      video.addEventListener("seeked", () => follow(video, "seek"));
    });
  });
})();
