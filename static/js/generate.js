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
})();
