// The dashboard's only script (served from the package, no dependencies): it refreshes the
// regions marked data-refresh with the server-rendered fragment, and drives bulk dead-letter
// actions one chunk per request so a progress bar can follow them. Pages work without it.

const csrfToken = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") ?? "";

for (const region of document.querySelectorAll("[data-refresh]")) {
  const url = region.getAttribute("data-refresh");
  const every = Number(region.getAttribute("data-interval")) || 2000;
  const tick = async () => {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { accept: "text/html" } });
      // The fragment is rendered (and escaped) by the same server code as the page.
      if (response.ok && response.headers.get("content-type")?.startsWith("text/html")) {
        region.innerHTML = await response.text();
        region.setAttribute("data-refreshed", String(Date.now()));
      }
    } catch {
      // Offline for a moment: the next tick tries again.
    }
    setTimeout(tick, every);
  };
  setTimeout(tick, every);
}

async function post(url, fields) {
  const body = new URLSearchParams({ ...fields, _csrf: csrfToken });
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return response.json();
}

for (const form of document.querySelectorAll("form[data-bulk]")) {
  const progress = form.querySelector("#bulk-progress");
  const status = form.querySelector("#bulk-status");
  const base = form.getAttribute("data-bulk");
  const chunk = Number(form.getAttribute("data-chunk")) || 100;
  form.addEventListener("submit", async (event) => {
    const action = event.submitter?.getAttribute("data-bulk-action");
    if (!action) return;
    event.preventDefault();
    const selected = [...form.querySelectorAll('input[name="queues"]:checked')];
    if (selected.length === 0) {
      status.textContent = "Select at least one queue.";
      return;
    }
    const total = selected.reduce((sum, box) => sum + Number(box.getAttribute("data-count") || 0), 0);
    let done = 0;
    progress.max = Math.max(total, 1);
    progress.value = 0;
    progress.hidden = false;
    const buttons = [...form.querySelectorAll("button:not(:disabled)")];
    for (const button of buttons) button.disabled = true;
    const verb = action === "requeue" ? "Requeued" : "Purged";
    try {
      for (const box of selected) {
        const queue = box.value;
        if (action === "purge") {
          done += (await post(`${base}/purge`, { queue })).purged;
        } else {
          // At most the count shown, so letters that die again while this runs are not looped on.
          let left = Number(box.getAttribute("data-count") || 0);
          while (left > 0) {
            const { moved } = await post(`${base}/requeue`, { queue, limit: String(Math.min(chunk, left)) });
            if (moved === 0) break;
            done += moved;
            left -= moved;
            progress.value = done;
            status.textContent = `${verb} ${done} of ${total}…`;
          }
        }
        progress.value = done;
        status.textContent = `${verb} ${done} of ${total}…`;
      }
      status.textContent = `${verb} ${done} of ${total}. Done.`;
      status.setAttribute("data-done", "true");
    } catch (error) {
      status.textContent = `Stopped after ${done} of ${total}: ${error.message}`;
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  });
}
