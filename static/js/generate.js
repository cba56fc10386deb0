// Generate form: preview chosen images before they are sent.
(function () {
  "use strict";
  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    const preview = document.querySelector(`[data-preview-for="${input.id}"]`);
    if (!preview) return;
    preview.replaceChildren();
    Array.from(input.files || []).forEach((file) => {
      if (!file.type.startsWith("image/")) return;
      const img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = `Preview of ${file.name}`;
      img.onload = () => URL.revokeObjectURL(img.src);
      preview.append(img);
    });
  });
  // One click, one job: the server would also ignore a replay of the same form.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("[data-generate]")) return;
    const button = form.querySelector("button[type=submit]");
    setTimeout(() => { button.disabled = true; button.textContent = "Sending…"; }, 0);
  });
})();
