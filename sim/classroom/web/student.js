// sim class, a student's page: join a team, then answer its decisions until the debrief.
// Every text from the server is shown with textContent (never parsed as HTML).
"use strict";

const TOKEN = "sim-class-token";
const POLL_MS = 1000;
let view = null;
let sending = false;

function $(id) { return document.getElementById(id); }

async function call(path, options = {}) {
  const token = localStorage.getItem(TOKEN);
  const headers = { "Content-Type": "application/json" };
  if (token) headers["X-Team-Token"] = token;
  const response = await fetch(path, { ...options, headers });
  const data = await response.json().catch(() => ({ error: "no answer from the server" }));
  if (!response.ok) {
    const error = new Error(data.error || `refused (${response.status})`);
    error.status = response.status;
    throw error;
  }
  return data;
}

async function showActors() {
  const data = await call("/api/scenario");
  $("title").textContent = data.scenario;
  const box = $("actors");
  box.replaceChildren();
  for (const actor of data.actors) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "actor";
    input.value = actor.name;
    label.append(input, ` ${actor.name} (${actor.role})`);
    box.append(label);
  }
}

async function join(event) {
  event.preventDefault();
  $("join-error").textContent = "";
  const picked = document.querySelector("input[name=actor]:checked");
  const pin = $("pin").value.trim();
  const body = { code: $("code").value.trim(), team: $("team").value.trim() };
  if (pin) body.pin = pin;
  else if (picked) body.actor = picked.value;
  try {
    localStorage.removeItem(TOKEN);
    const joined = await call("/api/join", { method: "POST", body: JSON.stringify(body) });
    localStorage.setItem(TOKEN, joined.token);
    view = null;
    await refresh();
  } catch (error) {
    $("join-error").textContent = error.message;
  }
}

function showView(data) {
  if (view && view.team === data.team && data.seq < view.seq) return;  // an older answer
  view = data;
  $("join").classList.add("hidden");
  $("game").classList.remove("hidden");
  $("title").textContent = `${data.team}: you play ${data.actor} (${data.role})`;
  $("facts").textContent = `${data.scenario} · day ${Math.min(data.day, data.horizon)} of ${data.horizon}`;
  $("pin-shown").textContent = data.pin;
  const news = $("news");
  const atBottom = news.scrollTop + news.clientHeight >= news.scrollHeight - 4;
  const text = data.lines.join("\n");
  if (news.textContent !== text) {
    news.textContent = text;
    if (atBottom) news.scrollTop = news.scrollHeight;
  }
  const decision = data.decision;
  $("status").textContent = decision ? "" : `State: ${data.status}.`;
  $("decision-title").textContent = decision ? `Day ${decision.day}: your decision` : "Your decision";
  $("timer").textContent = decision && decision.seconds_left !== null
    ? `${Math.ceil(decision.seconds_left)} s left, then the model decides for you` : "";
  const options = $("options");
  const shown = options.dataset.key;
  const key = decision ? `${data.seq}/${decision.day}` : "";
  if (shown !== key) {
    options.dataset.key = key;
    options.replaceChildren();
    $("situation").textContent = decision ? decision.situation : "";
    $("act-error").textContent = "";
    for (const option of decision ? decision.options : []) {
      const button = document.createElement("button");
      button.className = "option";
      button.dataset.action = option.name;
      const name = document.createElement("b");
      name.textContent = option.name;
      button.append(name, `: ${option.consequence}`);
      button.addEventListener("click", () => act(option.name));
      options.append(button);
    }
  }
  $("decision").classList.toggle("hidden", data.debrief !== null && !decision);
  $("debrief").classList.toggle("hidden", data.debrief === null);
  $("debrief-text").textContent = data.debrief || "";
}

async function act(action) {
  if (sending || !view || !view.decision) return;
  sending = true;
  for (const button of $("options").querySelectorAll("button")) button.disabled = true;
  const body = { seq: view.seq, day: view.decision.day, action };
  try {
    showView(await call("/api/act", { method: "POST", body: JSON.stringify(body) }));
  } catch (error) {
    $("act-error").textContent = error.message;
    await refresh();
  } finally {
    sending = false;
    for (const button of $("options").querySelectorAll("button")) button.disabled = false;
  }
}

async function refresh() {
  if (!localStorage.getItem(TOKEN) || sending) return;
  try {
    showView(await call("/api/view"));
  } catch (error) {
    if (error.status === 401) {  // the server no longer knows the team: join again
      localStorage.removeItem(TOKEN);
      $("game").classList.add("hidden");
      $("join").classList.remove("hidden");
      $("join-error").textContent = error.message;
    }
  }
}

function leave(event) {
  event.preventDefault();
  localStorage.removeItem(TOKEN);
  location.reload();
}

$("join-form").addEventListener("submit", join);
$("leave").addEventListener("click", leave);
showActors().catch((error) => { $("join-error").textContent = error.message; });
refresh();
setInterval(refresh, POLL_MS);
