// Letterbox: small progressive enhancements; every page works without this file.
"use strict";

// UI text in the page's language, from the server-rendered #ui-text element.
const text = (key, fallback) => {
  const holder = document.getElementById("ui-text");
  return (holder && holder.dataset[key]) || fallback;
};

// The tab title carries the inbox's unread count: "(3) Inbox · Letterbox".
const updateBadge = () => {
  const count = document.querySelector('#folder-list li[data-mailbox-id="INBOX"] .unread-count');
  const unread = count ? parseInt(count.textContent.replace(/\D/g, ""), 10) || 0 : 0;
  const base = document.title.replace(/^\(\d+\) /, "");
  document.title = unread > 0 ? `(${unread}) ${base}` : base;
};
document.addEventListener("DOMContentLoaded", updateBadge);

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
      box.append(Object.assign(document.createElement("legend"), { textContent: text("attached", "Attached") }));
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
      status.textContent = text("saved", "Draft saved {$time}").replace("{$time}", new Date().toLocaleTimeString());
    } catch (err) {
      dirty = true;
      status.textContent = text("saveFailed", "Could not save the draft; still trying.");
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
      status.textContent = text("uploadFailed", "The upload failed; check your connection and try again.");
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
          const selected = document.querySelector("#message-list tr.selected");
          swap(".list-head");
          swap(".message-list-form");
          swap(".pager");
          document.title = fresh.title;
          if (selected) {
            const again = document.querySelector(`#message-list tr[data-id="${selected.dataset.id}"]`);
            if (again) again.classList.add("selected");
          }
        }
        updateBadge();
      } catch (err) {
        // Offline for a moment: the next event tries again.
      }
    }, 200);
  };
  // A change made by this page itself (the message marked read on opening).
  document.addEventListener("letterbox:changed", refresh);
  const events = new EventSource("/events");
  ["mailbox", "message.new", "message.updated", "message.removed", "resync"].forEach((kind) => events.addEventListener(kind, refresh));
  // Opt-in desktop notification (settings), only while the tab is in the background.
  events.addEventListener("message.new", (event) => {
    const holder = document.getElementById("ui-text");
    if (!holder || holder.dataset.notify !== "true" || !window.Notification || Notification.permission !== "granted" || !document.hidden) return;
    const count = (JSON.parse(event.data).ids || []).length;
    const body = count === 1 ? text("newMailOne", "One new message") : text("newMailOther", "{count} new messages").replace("{count}", count.toLocaleString(document.documentElement.lang || undefined));
    new Notification(text("newMail", "New mail"), { body, icon: "/static/icon.svg", tag: "letterbox-new-mail" });
  });
});

// Opening a message marks it read by a same-origin POST of its own action form (with the CSRF
// token), never by the GET of the page, which a link from another site could trigger. Without
// this file the page offers "Mark read", and any action from the page marks it read too.
document.addEventListener("DOMContentLoaded", () => {
  const reading = document.querySelector("article.reading-pane.message[data-unseen]");
  const form = reading && reading.querySelector("form.actions");
  const read = document.getElementById("action-read");
  const unread = document.getElementById("action-unread");
  if (!form || !read || !unread || !window.fetch) return;
  const data = new URLSearchParams(new FormData(form));
  data.set("action", "read");
  // (form.action would be the buttons named "action", not the attribute.)
  let pending = fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin", redirect: "manual", keepalive: true })
    .then((response) => {
      if (response.type !== "opaqueredirect" && !response.ok) return;
      read.hidden = true;
      unread.hidden = false;
      reading.removeAttribute("data-unseen");
      const row = document.querySelector("#message-list tr.current");
      if (row) row.classList.remove("unread");
      document.dispatchEvent(new Event("letterbox:changed"));
    })
    .catch(() => {})
    .finally(() => { pending = null; });
  // An action chosen before the read has landed waits for it, so "Mark unread" is not undone.
  form.addEventListener("submit", (event) => {
    if (!pending) return;
    event.preventDefault();
    const submitter = event.submitter;
    pending.then(() => form.requestSubmit(submitter));
  });
});

// Keyboard: j/k move, o/Enter open, u back, r/a/f reply/all/forward, c compose, e archive,
// # delete, ! spam, s flag, Shift+I/U read/unread, / search, g i inbox, ? help. Shift-click
// selects a range of checkboxes.
document.addEventListener("DOMContentLoaded", () => {
  const rows = () => Array.from(document.querySelectorAll("#message-list tbody tr"));
  const reading = document.querySelector("article.reading-pane.message");
  const help = document.getElementById("shortcuts");
  let pendingG = 0;

  const current = () => {
    const list = rows();
    const index = list.findIndex((row) => row.classList.contains("selected"));
    return index >= 0 ? index : list.findIndex((row) => row.classList.contains("current"));
  };
  const select = (index) => {
    const list = rows();
    if (!list.length) return null;
    const target = list[Math.max(0, Math.min(list.length - 1, index))];
    list.forEach((row) => row.classList.remove("selected"));
    target.classList.add("selected");
    target.scrollIntoView({ block: "nearest" });
    const link = target.querySelector("td.subject a");
    if (link) link.focus({ preventScroll: true });
    return target;
  };
  const go = (href) => { if (href) window.location.assign(href); };
  // Runs a list action on the selected row alone, through the normal batch form.
  const onRow = (action) => {
    const row = rows()[current()];
    const form = document.querySelector(".message-list-form");
    if (!row || !form) return false;
    form.querySelectorAll("input[name=ids]").forEach((box) => { box.checked = box.value === row.dataset.id; });
    const button = form.querySelector(`button[name=action][value="${action}"]`);
    if (button) form.requestSubmit(button);
    return true;
  };
  const onMessage = (action) => {
    const button = reading && reading.querySelector(`form.actions button[name=action][value="${action}"]`);
    if (button) { button.form.requestSubmit(button); return true; }
    return false;
  };
  const act = (action) => (reading ? onMessage(action) : onRow(action));
  const replyTo = (kind) => {
    if (reading) { const link = document.getElementById(kind); if (link) go(link.href); return; }
    const row = rows()[current()];
    const action = { reply: "reply", "reply-all": "replyAll", forward: "forward" }[kind];
    if (row) go(`/compose?reply=${encodeURIComponent(row.dataset.id)}&action=${action}`);
  };
  const step = (delta) => {
    if (reading) {
      const index = current();
      const target = rows()[index + delta];
      if (target) go(target.dataset.href);
    } else {
      select(current() < 0 ? 0 : current() + delta);
    }
  };

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest("input, textarea, select, [contenteditable]") || (help && help.open)) return;
    const key = event.key;
    if (pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0;
      if (key === "i") { event.preventDefault(); go("/mail/INBOX"); }
      return;
    }
    const handlers = {
      j: () => step(1),
      k: () => step(-1),
      o: () => { const row = rows()[current()]; if (!reading && row) go(row.dataset.href); },
      Enter: () => {
        const row = rows()[current()];
        if (!reading && row && (target === document.body || target.closest("#message-list"))) go(row.dataset.href);
      },
      u: () => { const back = document.getElementById("back-to-list"); if (back) go(back.href); },
      r: () => replyTo("reply"),
      a: () => replyTo("reply-all"),
      f: () => replyTo("forward"),
      c: () => go("/compose"),
      e: () => act("archive"),
      "#": () => act("delete"),
      "!": () => act("spam"),
      s: () => {
        if (reading) { const button = document.getElementById("action-flag"); if (button) button.form.requestSubmit(button); return; }
        const row = rows()[current()];
        if (row) onRow(row.classList.contains("flagged") ? "unflag" : "flag");
      },
      I: () => act("read"),
      U: () => act("unread"),
      "/": () => { const search = document.getElementById("q"); if (search) search.focus(); },
      g: () => { pendingG = Date.now(); },
      "?": () => { if (help && help.showModal) help.showModal(); },
    };
    const handler = handlers[key];
    // Enter elsewhere (a focused button or link outside the list) keeps its own meaning.
    if (handler && !(key === "Enter" && target !== document.body && !target.closest("#message-list"))) {
      event.preventDefault();
      handler();
    }
  });

  // Shift-click on a checkbox sets every box between it and the last one clicked alike.
  let lastBox = null;
  document.addEventListener("click", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.name !== "ids") return;
    const boxes = Array.from(document.querySelectorAll("#message-list input[name=ids]"));
    if (event.shiftKey && lastBox && boxes.includes(lastBox)) {
      const [from, to] = [boxes.indexOf(lastBox), boxes.indexOf(box)].sort((x, y) => x - y);
      boxes.slice(from, to + 1).forEach((other) => { other.checked = box.checked; });
    }
    lastBox = box;
  });
});

// Settings: ticking "desktop notifications" asks the browser for permission right away and
// says so when the browser blocks them (the setting is saved with the form either way).
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("notify");
  const status = document.getElementById("notify-status");
  if (!box || !status) return;
  const show = (permission) => {
    if (!window.Notification) status.textContent = status.dataset.unsupported;
    else status.textContent = box.checked && permission === "denied" ? status.dataset.denied : "";
  };
  box.addEventListener("change", async () => {
    if (box.checked && window.Notification && Notification.permission === "default") {
      try { show(await Notification.requestPermission()); } catch (err) { show(Notification.permission); }
    } else show(window.Notification && Notification.permission);
  });
  if (box.checked) show(window.Notification && Notification.permission);
});
