// sim class, the teacher's page: the join code, the board of teams, the pace, the class debrief.
// The teacher's key comes in the address's fragment (#key=...), which the browser never sends.
// Every text from the server is shown with textContent (never parsed as HTML).
"use strict";

const KEY = "sim-class-teacher-key";
const POLL_MS = 1000;

function $(id) { return document.getElementById(id); }

const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get("key")) {
  sessionStorage.setItem(KEY, fragment.get("key"));
  history.replaceState(null, "", location.pathname);  // the key off the screen
}

async function call(path, body) {
  const headers = { "Content-Type": "application/json", "X-Teacher-Key": sessionStorage.getItem(KEY) || "" };
  const options = body ? { method: "POST", headers, body: JSON.stringify(body) } : { headers };
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({ error: "no answer from the server" }));
  if (!response.ok) throw new Error(data.error || `refused (${response.status})`);
  return data;
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.append(td);
  return td;
}

function showBoard(board) {
  $("title").textContent = board.scenario;
  const mode = board.mode === "own" ? "each team in its own world" : "teams share worlds";
  $("facts").textContent = `seed ${board.seed}, world ${board.world} · ${mode} · ${board.teams.length} teams`;
  $("code").textContent = board.code;
  $("address").textContent = location.origin + "/";
  $("start").disabled = board.started;
  $("start").textContent = board.started ? "Game started" : "Start the game";
  if (document.activeElement !== $("pace")) $("pace").value = board.pace;
  const teacherPace = board.pace === "teacher";
  $("advance1").disabled = $("advance7").disabled = !teacherPace;
  $("open-days").textContent = teacherPace ? `days open: 0 to ${board.open_days - 1}` : "";
  if (document.activeElement !== $("timer")) $("timer").value = board.timer_s;
  const body = $("board").tBodies[0];
  body.replaceChildren();
  for (const team of board.teams) {
    const row = document.createElement("tr");
    cell(row, team.team);
    cell(row, team.actor);
    cell(row, team.world);
    cell(row, `${Math.min(team.day, board.horizon)} / ${board.horizon}`);
    cell(row, team.last || "—");
    const state = team.error ? `failed: ${team.error}` : team.status;
    cell(row, team.timed_out ? `${state} (timed out ${team.timed_out}×)` : state);
    body.append(row);
  }
  if (board.teams.length && board.teams.every((team) => team.status === "finished") && !shown) {
    showDebrief();
  }
}

function percent(share) { return `${Math.round(share * 100)}%`; }

function bar(share, model) {
  const span = document.createElement("span");
  span.className = model ? "bar model" : "bar";
  span.style.width = `${Math.round(share * 200)}px`;
  return span;
}

let shown = false;

async function showDebrief() {
  shown = true;
  const data = await call("/api/debrief");
  const box = $("debrief-body");
  box.replaceChildren();
  const intro = document.createElement("p");
  intro.textContent = `The class's ${data.class_worlds} finished worlds beside ${data.runs.toLocaleString("en")} worlds the model played (same scenario and seed).`;
  box.append(intro);
  const shares = document.createElement("table");
  shares.id = "shares";
  shares.innerHTML = "<thead><tr><th>Outcome</th><th>Class</th><th>Model</th></tr></thead><tbody></tbody>";
  for (const outcome of data.outcomes) {
    const row = document.createElement("tr");
    cell(row, outcome.replace("_", " "));
    const ours = cell(row, ` ${percent(data.class_shares[outcome])}`);
    ours.prepend(bar(data.class_shares[outcome], false));
    const model = cell(row, ` ${percent(data.model_shares[outcome])}`);
    model.prepend(bar(data.model_shares[outcome], true));
    shares.tBodies[0].append(row);
  }
  box.append(shares);
  const teams = document.createElement("table");
  teams.id = "team-results";
  teams.innerHTML = "<thead><tr><th>Team</th><th>Actor</th><th>Outcome</th><th>Payoff among the model's worlds</th><th>The model in the same world</th></tr></thead><tbody></tbody>";
  for (const team of data.teams) {
    const row = document.createElement("tr");
    cell(row, team.team);
    cell(row, team.actor);
    if (!team.outcome) {
      cell(row, team.status);
      teams.tBodies[0].append(row);
      continue;
    }
    cell(row, team.outcome.replace("_", " "));
    const place = cell(row, ` ${team.payoff.toFixed(2)}, beats ${Math.round(team.percentile)}%`);
    const meter = document.createElement("span");
    meter.className = "meter";
    meter.title = team.payoff_meaning;
    const mark = document.createElement("span");
    mark.style.left = `${Math.min(98, team.percentile) * 2}px`;
    meter.append(mark);
    place.prepend(meter);
    cell(row, `${team.model_outcome_same_world.replace("_", " ")} (payoff ${team.model_payoff_same_world.toFixed(2)})`);
    teams.tBodies[0].append(row);
  }
  box.append(teams);
  const note = document.createElement("p");
  note.className = "small";
  note.textContent = `Payoff: the team's standing on the last day in the model's utility units (docs/model.md, section 9); the mark shows where it falls among the ${data.runs.toLocaleString("en")} worlds the model played with the same actor.`;
  box.append(note);
  const choices = document.createElement("div");
  choices.id = "key-choices";
  const title = document.createElement("h2");
  title.textContent = "Key choices: where each team left the model's likeliest path, and why the model would not have";
  choices.append(title);
  for (const team of data.teams) {
    if (!team.outcome) continue;
    const head = document.createElement("p");
    head.textContent = `${team.team} (${team.actor}): followed the model's likeliest choice at ${team.followed_model} of ${team.decisions} decisions.`;
    const list = document.createElement("ul");
    for (const choice of team.key_choices) {
      const reasons = Object.entries(choice.model_reasons)
        .map(([name, value]) => `${name} ${value >= 0 ? "+" : ""}${value.toFixed(2)}`).join(", ");
      const item = document.createElement("li");
      item.textContent = `day ${choice.day}: chose ${choice.chosen} (${chance(choice.chosen_probability)}); the model: ${choice.model_choice} (${chance(choice.model_probability)})` + (reasons ? `, because of ${reasons}` : "");
      list.append(item);
    }
    const saved = document.createElement("p");
    saved.className = "small";
    saved.textContent = team.moves_file ? `moves: ${team.moves_file}` : "";
    choices.append(head, list, saved);
  }
  box.append(choices);
}

// "p=0.42", "p=0.0031", "p<0.0001": as sim play's debrief says a probability
function chance(p) { return p >= 0.01 ? `p=${p.toFixed(2)}` : p >= 0.0001 ? `p=${p.toFixed(4)}` : "p<0.0001"; }

async function refresh() {
  try {
    showBoard(await call("/api/board"));
    $("error").textContent = "";
  } catch (error) {
    $("error").textContent = error.message;
  }
}

async function command(body) {
  try {
    showBoard(await call("/api/teacher", body));
  } catch (error) {
    $("error").textContent = error.message;
  }
}

$("start").addEventListener("click", () => command({ command: "start" }));
$("pace").addEventListener("change", () => command({ command: "pace", pace: $("pace").value }));
$("advance1").addEventListener("click", () => command({ command: "advance", days: 1 }));
$("advance7").addEventListener("click", () => command({ command: "advance", days: 7 }));
$("set-timer").addEventListener("click", () => command({ command: "timer", seconds: Number($("timer").value) || 0 }));
$("show-debrief").addEventListener("click", () => showDebrief().catch((error) => { $("error").textContent = error.message; }));
refresh();
setInterval(refresh, POLL_MS);
