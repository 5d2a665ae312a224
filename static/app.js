// Letterbox: small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Keep the unread count in the tab title in step with the folder list.
  const current = document.querySelector(".folders li.current .unread-count");
  if (current && !document.title.includes("(")) {
    document.title = document.title.replace(" · ", ` (${current.textContent}) · `);
  }
});
