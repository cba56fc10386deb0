// Share links: copy a new link with one click (without JavaScript it sits in a read-only field
// to select and copy), and ask before revoking one.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach((button) => {
    const input = document.getElementById(button.dataset.copy);
    if (!input || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      navigator.clipboard.writeText(input.value).then(
        () => { button.textContent = "Copied"; },
        () => { input.focus(); input.select(); },
      );
    });
  });
  document.querySelectorAll("[data-select-all]").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
