// Letterbox: small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Keep the unread count in the tab title in step with the folder list.
  const current = document.querySelector(".folders li.current .unread-count");
  if (current && !document.title.includes("(")) {
    document.title = document.title.replace(" · ", ` (${current.textContent}) · `);
  }
});

// Compose: Ctrl+Enter sends, the draft is saved every 30 s and when leaving the page, and
// uploads show their progress. Without this the form still works by plain posts.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("compose-form");
  if (!form) return;
  const status = document.getElementById("autosave-status");
  const draftField = form.elements.namedItem("draft_id");
  let dirty = false;
  let leaving = false;
  form.addEventListener("input", () => { dirty = true; });

  const draftData = () => {
    const data = new FormData(form);
    data.set("intent", "autosave");
    data.delete("attachments"); // new files go up with Send or Save, not every 30 s
    return data;
  };

  // After an autosave the draft holds the kept (and forwarded) files: list them as kept.
  const showKept = (attachments) => {
    let box = form.querySelector("fieldset.attachments");
    if (!box) {
      box = document.createElement("fieldset");
      box.className = "attachments";
      box.append(Object.assign(document.createElement("legend"), { textContent: "Attached" }));
      document.getElementById("attachments").closest(".field").before(box);
    }
    box.querySelectorAll("div").forEach((row) => row.remove());
    attachments.forEach((a, i) => {
      const row = document.createElement("div");
      row.className = "inline-field";
      const input = Object.assign(document.createElement("input"), { type: "checkbox", id: `keep-${i}`, name: "keep", value: String(i), checked: true });
      const label = Object.assign(document.createElement("label"), { htmlFor: input.id, textContent: `${a.name} (${a.size})` });
      row.append(input, label);
      box.append(row);
    });
    if (!attachments.length) box.remove();
    form.elements.namedItem("forward_original").value = "";
  };

  const autosave = async () => {
    if (!dirty || leaving) return;
    dirty = false;
    try {
      const response = await fetch("/compose", { method: "POST", body: draftData(), credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const saved = await response.json();
      draftField.value = saved.draftId;
      showKept(saved.attachments || []);
      status.textContent = `Draft saved ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      dirty = true;
      status.textContent = "Could not save the draft; still trying.";
    }
  };
  setInterval(autosave, 30000);
  window.addEventListener("pagehide", () => {
    if (dirty && !leaving) navigator.sendBeacon("/compose", draftData());
  });

  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit(document.getElementById("send-button"));
    }
  });

  // With files chosen, post through XHR to show upload progress, then show what came back.
  form.addEventListener("submit", (event) => {
    leaving = true;
    const files = document.getElementById("attachments").files;
    if (!files.length || !window.XMLHttpRequest) return;
    event.preventDefault();
    const progress = document.getElementById("upload-progress");
    progress.hidden = false;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) progress.value = (100 * e.loaded) / e.total; });
    xhr.addEventListener("load", () => {
      if (xhr.status < 400 && xhr.responseURL && !xhr.responseURL.endsWith("/compose")) {
        window.location.assign(xhr.responseURL);
      } else {
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    });
    xhr.addEventListener("error", () => {
      leaving = false;
      progress.hidden = true;
      status.textContent = "The upload failed; check your connection and try again.";
    });
    xhr.send(new FormData(form, event.submitter));
  });
});

// Live updates: the server's event stream (IMAP IDLE behind it) refreshes the folder list and
// the message list in place when anything changes, here or in another mail client.
document.addEventListener("DOMContentLoaded", () => {
  if (!document.getElementById("folder-list") || !window.EventSource || !window.DOMParser) return;
  const listForm = () => document.querySelector(".message-list-form");
  const onList = !!listForm();
  // Other pages refresh only the folders, from the current folder's list page.
  const searchForm = document.querySelector("form.search");
  const source = onList ? () => location.href : () => (searchForm ? searchForm.getAttribute("action") : "/mail/INBOX");
  let timer = null;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const busy = onList && listForm().querySelector("input[name=ids]:checked");
      try {
        const response = await fetch(source(), { credentials: "same-origin" });
        if (!response.ok) return;
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        const swap = (selector) => {
          const old = document.querySelector(selector);
          const replacement = fresh.querySelector(selector);
          if (old && replacement) old.replaceWith(replacement);
        };
        swap("#folder-list");
        // Never pull the list from under a user who is selecting messages.
        if (onList && !busy) {
          swap(".list-head");
          swap(".message-list-form");
          swap(".pager");
          document.title = fresh.title;
        }
      } catch (err) {
        // Offline for a moment: the next event tries again.
      }
    }, 200);
  };
  const events = new EventSource("/events");
  ["mailbox", "message.new", "message.updated", "message.removed", "resync"].forEach((kind) => events.addEventListener(kind, refresh));
});
