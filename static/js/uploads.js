// Images chosen in a form's image field are sent at once (common/pending_images.html) and the
// server answers with the field as it now stands, naming what it refused. When the answer is
// not the field's (a proxy refused a request too large to take, or the server could not be
// reached), the field says so here: nothing of that choice was kept, and the rest of the form
// is as it was.
(function () {
  "use strict";

  function imageInput(element) {
    return element instanceof HTMLInputElement && element.type === "file" &&
      element.closest(".pending-images") ? element : null;
  }

  function say(input, words) {
    // What the field said of an earlier choice is replaced by what happened to this one.
    input.parentElement.querySelectorAll(".field-error").forEach((said) => said.remove());
    const note = document.createElement("p");
    note.className = "field-error upload-refused";
    note.setAttribute("role", "alert");
    note.textContent = words;
    input.after(note);
    input.value = ""; // not sent again with the form
  }

  document.addEventListener("htmx:responseError", (event) => {
    const input = imageInput(event.detail.elt);
    if (!input) return;
    const status = event.detail.xhr.status;
    say(input, status === 413
      ? "These images are too large to send together: none of them was kept. Choose fewer at a time."
      : `These images were not kept (the server answered ${status}). Choose them again.`);
  });

  document.addEventListener("htmx:sendError", (event) => {
    const input = imageInput(event.detail.elt);
    if (input) say(input, "The server could not be reached: these images were not kept. Choose them again in a moment.");
  });
})();
