// Compare view: the videos play, pause and seek together; the one being used leads. A shorter
// video simply ends while the longer one plays on, and never pulls the leader back.
(function () {
  "use strict";
  document.querySelectorAll("[data-compare]").forEach((root) => {
    const videos = Array.from(root.querySelectorAll("[data-compare-video]"));
    // Videos whose next play/pause/seeked event we caused ourselves: not a person's action.
    const echoes = new Map(videos.map((video) => [video, 0]));

    function move(video, action, time) {
      if (action !== "pause" && Number.isFinite(video.duration) && time >= video.duration) {
        if (!video.paused) { echoes.set(video, echoes.get(video) + 1); video.pause(); }
        return; // past its end: it has nothing more to show
      }
      if (Math.abs(video.currentTime - time) > 0.15) {
        echoes.set(video, echoes.get(video) + 1);
        video.currentTime = time;
      }
      if (action === "play" && video.paused) {
        echoes.set(video, echoes.get(video) + 1);
        video.play().catch(() => echoes.set(video, Math.max(0, echoes.get(video) - 1)));
      }
      if (action === "pause" && !video.paused) {
        echoes.set(video, echoes.get(video) + 1);
        video.pause();
      }
    }

    function lead(leader, action) {
      if (echoes.get(leader) > 0) {
        echoes.set(leader, echoes.get(leader) - 1);
        return;
      }
      videos.filter((v) => v !== leader).forEach((v) => move(v, action, leader.currentTime));
    }

    videos.forEach((video) => {
      video.muted = video !== videos[videos.length - 1]; // one soundtrack at a time
      video.addEventListener("play", () => lead(video, "play"));
      video.addEventListener("pause", () => {
        if (!video.ended) lead(video, "pause");
      });
      video.addEventListener("seeked", () => lead(video, "seek"));
    });
  });
})();
