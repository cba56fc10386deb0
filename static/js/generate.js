// Generate form: keep frame images and references apart (a model that cannot combine them would
// drop the references), and send one job per click. Chosen images are kept and shown by the
// server (common/pending_images.html).
(function () {
  "use strict";
  const FRAMES = ["id_first_frame", "id_last_frame"];

  // Chosen: a file in the input, or an image kept on the server (a hidden input with its id).
  function chosen(form, input) {
    const kept = form.querySelectorAll(`input[type=hidden][name="${input.name}"]`).length;
    return kept > 0 || (input.files && input.files.length > 0);
  }

  function separate(form) {
    const references = form.querySelector("#id_reference");
    const frames = FRAMES.map((id) => form.querySelector(`#${id}`)).filter(Boolean);
    if (!references || !frames.length || references.dataset.combinable === "true") return;
    const framesChosen = frames.some((input) => chosen(form, input));
    const referencesChosen = chosen(form, references);
    references.disabled = framesChosen;
    frames.forEach((input) => (input.disabled = referencesChosen));
  }

  // An image kept, removed or re-rendered (or kept by a refused submit): which inputs may be
  // used follows. A removed image's events never reach the document, so the form is watched.
  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form[data-generate]");
    if (!form) return;
    separate(form);
    new MutationObserver(() => separate(form)).observe(form, { childList: true, subtree: true });
  });

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    const form = input.closest("form");
    if (form) separate(form);
  });
  // One click, one job: the server would also ignore a replay of the same form.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("[data-generate]")) return;
    const button = form.querySelector("button[type=submit]");
    setTimeout(() => { button.disabled = true; button.textContent = "Sending…"; }, 0);
  });
})();
