// Photo previews: a click on a thumbnail opens the preview in a dialog with the photo's
// facts; without JavaScript the same link opens the photo's own page.
(function () {
  "use strict";
  const dialog = document.getElementById("photo-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const image = document.getElementById("photo-dialog-image");
  const facts = document.getElementById("photo-dialog-facts");
  document.addEventListener("click", function (event) {
    const link = event.target.closest("a.thumb[data-preview]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const thumbnail = link.querySelector("img");
    image.src = link.dataset.preview;
    image.alt = thumbnail ? thumbnail.alt : "";
    facts.replaceChildren();
    const item = link.closest("li");
    const details = item && item.querySelector(".photo-facts");
    if (details) {
      for (const child of details.children) {
        if (child.tagName !== "SUMMARY") facts.appendChild(child.cloneNode(true));
      }
    }
    const more = document.createElement("p");
    const page = document.createElement("a");
    page.href = link.href;
    page.textContent = "Open the photo's page";
    more.appendChild(page);
    facts.appendChild(more);
    dialog.showModal();
  });
  dialog.addEventListener("close", function () { image.removeAttribute("src"); });
})();

// Before/after pairs: the slider uncovers the after image over the before one.
(function () {
  for (const swipe of document.querySelectorAll("[data-swipe]")) {
    const after = swipe.querySelector(".swipe-after");
    const slider = swipe.querySelector("input[type=range]");
    if (!after || !slider) continue;
    const show = function () { after.style.clipPath = "inset(0 0 0 " + slider.value + "%)"; };
    slider.addEventListener("input", show);
    show();
  }
})();
