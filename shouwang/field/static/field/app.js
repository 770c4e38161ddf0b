/* 守望 field app (docs/field.md): today's work, visit / home-check / one-tap report forms, an offline
 * queue in IndexedDB and its sync with conflict handling. No framework; idb-keyval comes from the npm
 * package served locally (/static/vendor/, docs/frontend.md). */
import { createStore, del, get, set, values } from "../vendor/idb-keyval/index.js";

const body = document.body.dataset;
const API = body.api;
const queueStore = createStore("shouwang-field", "queue");
const MAX_BATCH_BYTES = 1500000; // below Django's 2.5 MB request limit
const MAX_BATCH_ENTRIES = 20; // the server's limit per request
const KIND_LABELS = { visit: "走访记录", home_check: "入户核实", report: "一键报送" };

const state = {
  today: null,
  fromCache: false,
  loadError: "",
  tab: "today",
  filter: "",
  entries: [],
  synced: [],
  syncing: false,
  notice: null,
  username: "",
};

/* ------------------------------------------------------------------------------------------ helpers */

const $ = (selector, root = document) => root.querySelector(selector);

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function uuid4() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function isoDay(date = new Date()) {
  const p = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}`;
}

function daysBetween(fromIso, toIso) {
  return Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 86400000);
}

function timeOf(iso) {
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getMonth() + 1}月${d.getDate()}日 ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function cardOf(householdNo) {
  return state.today?.households.find((h) => h.household_no === householdNo) || null;
}

function notify(text, tone = "") {
  state.notice = text ? { text, tone } : null;
  renderStatus();
}

/* Downscale a camera photo before it is stored (phones take 3–12 MB pictures; we keep ~150 KB). */
async function downscale(file, maxSide = 1280, quality = 0.72) {
  let source;
  try {
    source = await createImageBitmap(file);
  } catch (err) {
    source = await new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error("无法读取照片"));
      img.src = URL.createObjectURL(file);
    });
  }
  const scale = Math.min(1, maxSide / Math.max(source.width, source.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(source.width * scale));
  canvas.height = Math.max(1, Math.round(source.height * scale));
  canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL("image/jpeg", quality);
}

/* ------------------------------------------------------------------------------------------ data */

async function loadToday() {
  try {
    const response = await fetch(`${API}/today`, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) {
      location.assign(`${body.loginUrl}?next=/field/`);
      return;
    }
    const data = await response.json();
    if (!response.ok) {
      state.loadError = data.detail || `无法加载（${response.status}）`;
    } else {
      state.today = data;
      state.username = data.user.username;
      state.fromCache = response.headers.get("X-Field-Cache") === "hit";
      state.loadError = "";
    }
  } catch (err) {
    state.loadError = state.today ? "" : "当前离线，手机上还没有农户名单，请联网后打开一次。";
  }
  render();
}

async function loadQueue() {
  const all = await values(queueStore);
  state.entries = all.sort((a, b) => a.saved_at.localeCompare(b.saved_at));
}

async function enqueue(entry) {
  await set(entry.uuid, entry, queueStore);
  await loadQueue();
  render();
  sync();
}

function wire(entry) {
  return {
    uuid: entry.uuid,
    kind: entry.kind,
    household_no: entry.household_no,
    case_id: entry.case_id,
    base_version: entry.base_version,
    recorded_at: entry.saved_at,
    data: entry.data,
    photo: entry.photo,
  };
}

function batches(entries) {
  const out = [];
  let current = [];
  let size = 0;
  for (const e of entries) {
    const bytes = JSON.stringify(wire(e)).length;
    if (current.length && (size + bytes > MAX_BATCH_BYTES || current.length >= MAX_BATCH_ENTRIES)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(e);
    size += bytes;
  }
  if (current.length) out.push(current);
  return out;
}

/* ------------------------------------------------------------------------------------------ sync */

let retryDelay = 5000;
let retryTimer = null;

function retryLater() {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(sync, retryDelay);
  retryDelay = Math.min(retryDelay * 2, 5 * 60 * 1000);
}

async function settle(result) {
  const entry = await get(result.uuid, queueStore);
  if (!entry) return;
  if (result.status === "applied" || result.status === "duplicate") {
    await del(result.uuid, queueStore);
    if (result.status === "applied" && result.current_version && entry.base_version) {
      // Later entries this worker queued for the same record saw the same version: they now follow
      // this one (the server does the same within one request).
      for (const other of await values(queueStore)) {
        if (other.state === "queued" && other.base_version === entry.base_version && other.kind === entry.kind) {
          await set(other.uuid, { ...other, base_version: result.current_version }, queueStore);
        }
      }
    }
    state.synced.unshift({ ...entry, photo: null, result, synced_at: new Date().toISOString() });
    state.synced = state.synced.slice(0, 10);
  } else {
    await set(result.uuid, { ...entry, state: result.status, result }, queueStore);
  }
}

async function sync() {
  if (state.syncing || !navigator.onLine) return;
  await loadQueue();
  let pending = state.entries.filter((e) => e.state === "queued");
  if (!pending.length) return;
  state.syncing = true;
  renderStatus();
  let applied = 0;
  let attention = 0;
  try {
    // A fresh CSRF token each round: the cached shell's token may be stale (login rotates it).
    const who = await fetch(`${API}/session`, { credentials: "same-origin", cache: "no-store" });
    if (who.status === 401 || who.status === 403) {
      notify("登录已过期，请重新登录后同步（记录仍保存在手机上）。", "bad");
      return;
    }
    if (!who.ok) throw new Error(`session ${who.status}`);
    const session = await who.json();
    // Entries belong to the account that recorded them; another account never sends them.
    pending = pending.filter((e) => e.owner === session.username);
    for (const batch of batches(pending)) {
      const response = await fetch(`${API}/sync`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": session.csrf_token },
        body: JSON.stringify({ entries: batch.map(wire) }),
      });
      if (response.status === 422 || response.status === 400 || response.status === 413) {
        // The request as a whole was refused (malformed or too large): not worth retrying as is.
        const detail = (await response.json().catch(() => ({}))).detail || "提交内容不合法";
        for (const e of batch) await set(e.uuid, { ...e, state: "rejected", result: { message: detail, errors: [] } }, queueStore);
        attention += batch.length;
        continue;
      }
      if (!response.ok) throw new Error(`sync ${response.status}`);
      const answer = await response.json();
      for (const result of answer.results) {
        await settle(result);
        if (result.status === "applied" || result.status === "duplicate") applied += 1;
        else attention += 1;
      }
    }
    retryDelay = 5000;
    if (attention) {
      notify(`已同步 ${applied} 条；${attention} 条需要您处理，请打开“待同步”查看。`, "bad");
    } else if (applied) {
      notify(`已同步 ${applied} 条记录。`, "ok");
    }
    await loadToday();
  } catch (err) {
    retryLater();
  } finally {
    state.syncing = false;
    await loadQueue();
    render();
  }
}

/* ------------------------------------------------------------------------------------------ rendering */

function tierClass(card) {
  return card.case ? `tier-${card.case.risk_level}` : "";
}

function dueLine(card) {
  const due = card.case ? card.case.next_visit_due : card.routine ? card.routine.next_visit_due : null;
  if (!due) return "";
  const days = daysBetween(due, isoDay());
  const late = days > 0;
  const what = card.case ? "走访" : "常态化走访";
  const text = late ? `应于 ${due} ${what}（已逾期 ${days} 天）` : `下次${what}：${due}`;
  return `<div class="due${late ? " late" : ""}">${esc(text)}</div>`;
}

function cardHtml(card) {
  const c = card.case;
  const check = card.check;
  const canCheck = check && state.today.can_home_check;
  const meta = [card.group_name, card.poverty_status_label, card.category_label, `${card.member_count}人`].filter(Boolean);
  return `<article class="card ${tierClass(card)}" data-household="${esc(card.household_no)}">
    <div class="top">
      <span class="name">${esc(card.head_name || "（户主未登记）")}家</span>
      <span class="no">${esc(card.household_no)}</span>
      ${c ? `<span class="badge ${esc(c.risk_level)}">${esc(c.risk_level_label)}</span>` : ""}
      ${check ? `<span class="badge check">待入户核实</span>` : ""}
    </div>
    <div class="meta">${esc(meta.join(" · "))}</div>
    ${card.risk_labels.length ? `<div class="chips">${card.risk_labels.map((r) => `<span class="chip">${esc(r)}</span>`).join("")}</div>` : ""}
    <div class="meta">上次走访：${esc(card.last_visit_on || "无记录")}${c ? ` · ${esc(c.state_label)}` : ""}</div>
    ${dueLine(card)}
    <div class="actions">
      ${c || card.routine ? `<button type="button" class="btn primary" data-act="visit">登记走访</button>` : ""}
      ${canCheck ? `<button type="button" class="btn primary" data-act="check">入户核实</button>` : ""}
      <button type="button" class="btn" data-act="report">一键报送</button>
    </div>
  </article>`;
}

function renderToday() {
  const t = state.today;
  const due = t.visits_due.map((d) => cardOf(d.household_no)).filter(Boolean);
  const checks = t.checks.map((c) => cardOf(c.household_no)).filter(Boolean);
  return `
    <h2 class="section-title">待入户核实（${checks.length}）</h2>
    ${checks.length ? checks.map(cardHtml).join("") : `<p class="empty">没有待入户核实的线索。</p>`}
    <h2 class="section-title">本周应走访（${due.length}）</h2>
    ${due.length ? due.map(cardHtml).join("") : `<p class="empty">本周没有到期的走访。</p>`}`;
}

function renderHouseholds() {
  const f = state.filter.trim();
  const list = state.today.households.filter(
    (h) => !f || h.household_no.includes(f) || (h.head_name || "").includes(f) || (h.group_name || "").includes(f)
  );
  return `
    <input type="search" class="search" id="filter" placeholder="按户主姓名、户编号或村民小组查找" value="${esc(state.filter)}">
    ${state.today.can_report_unregistered ? `<div class="actions"><button type="button" class="btn" data-act="report-new">报送未登记的困难群众</button></div>` : ""}
    <h2 class="section-title">网格内农户（${list.length}${state.today.truncated ? "，仅显示前2000户" : ""}）</h2>
    <div id="household-list">${list.map(cardHtml).join("") || `<p class="empty">没有符合条件的农户。</p>`}</div>`;
}

function dl(pairs) {
  return `<dl>${pairs.filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>`;
}

function entrySummary(e) {
  const d = e.data;
  if (e.kind === "visit") {
    return [
      ["走访日期", d.visited_on],
      ["走访情况", d.notes],
      ["走访等级", d.risk_level ? { red: "红色", yellow: "黄色", green: "绿色" }[d.risk_level] : "不变"],
      ["更新收入", d.income ? `${d.income.period}` : ""],
      ["新发现风险", (d.risk_labels || []).join("、")],
      ["照片", e.photo ? "已拍摄" : ""],
    ];
  }
  if (e.kind === "home_check") return [["核实日期", d.checked_on], ["核实情况", d.findings], ["照片", e.photo ? "已拍摄" : ""]];
  return [["风险", (d.risk_labels || []).join("、")], ["情况说明", d.description], ["当事人", d.subject_name]];
}

function seenSummary(card) {
  const c = card && (card.case || card.check);
  if (!card) return [["记录", "无"]];
  return [
    ["案件环节", c ? c.state_label : "无办理中案件"],
    ["走访等级", c ? c.risk_level_label : ""],
    ["风险类型", (card.risk_labels || []).join("、") || "无"],
    ["上次走访", card.last_visit_on || "无记录"],
  ];
}

function entryHtml(e) {
  const who = e.snapshot ? `${e.snapshot.head_name}家` : e.data.subject_name || "";
  const head = `<div class="title">${esc(KIND_LABELS[e.kind])} · ${esc(who)} ${esc(e.household_no)}</div>
    <div class="meta muted">保存于 ${esc(timeOf(e.saved_at))}</div>`;
  if (e.state === "conflict") {
    const r = e.result;
    return `<div class="entry conflict" data-uuid="${esc(e.uuid)}">${head}
      <p><strong>与服务器记录冲突：</strong>${esc(r.message)}</p>
      ${r.changes.length ? `<ul class="changes">${r.changes.map((c) => `<li>${esc(c)}</li>`).join("")}</ul>` : ""}
      <div class="versions">
        <div><h4>您录入时的记录</h4>${dl(seenSummary(e.snapshot))}<h4>您的录入</h4>${dl(entrySummary(e))}</div>
        <div><h4>服务器当前记录</h4>${dl(seenSummary(r.server))}</div>
      </div>
      <div class="actions">
        <button type="button" class="btn primary" data-act="resend">按当前记录重新提交</button>
        <button type="button" class="btn danger" data-act="discard">放弃此条</button>
      </div></div>`;
  }
  if (e.state === "rejected") {
    const r = e.result || {};
    return `<div class="entry rejected" data-uuid="${esc(e.uuid)}">${head}
      <p><strong>未被接受：</strong>${esc(r.message)}</p>
      ${(r.errors || []).length ? `<ul class="changes">${r.errors.map((x) => `<li>${esc(x.reason)}</li>`).join("")}</ul>` : ""}
      ${dl(entrySummary(e))}
      <div class="actions"><button type="button" class="btn primary" data-act="edit">修改后重新提交</button>
        <button type="button" class="btn danger" data-act="discard">删除此条</button></div></div>`;
  }
  const other = e.owner !== state.username ? "（其他账号录入，该账号登录后同步）" : "";
  return `<div class="entry queued" data-uuid="${esc(e.uuid)}">${head}
    <p class="muted">等待同步${esc(other)}</p>${dl(entrySummary(e))}</div>`;
}

function renderQueue() {
  const mine = state.entries;
  const synced = state.synced;
  return `
    <h2 class="section-title">手机上的记录（${mine.length}）</h2>
    ${mine.length ? mine.map(entryHtml).join("") : `<p class="empty">没有待同步的记录。</p>`}
    ${synced.length ? `<h2 class="section-title">刚刚同步</h2>${synced.map((e) => `<div class="entry synced"><div class="title">${esc(KIND_LABELS[e.kind])} · ${esc(e.household_no || e.data.subject_name)}</div><div class="muted">${esc(e.result.status_label)} · ${esc(timeOf(e.synced_at))}</div></div>`).join("")}` : ""}`;
}

function renderStatus() {
  const net = $("#net");
  const syncing = state.syncing;
  net.textContent = syncing ? "正在同步…" : navigator.onLine ? "在线" : "离线";
  net.className = `pill${syncing ? " syncing" : navigator.onLine ? "" : " offline"}`;
  const waiting = state.entries.filter((e) => e.state === "queued").length;
  const attention = state.entries.length - waiting;
  const q = $("#queue-count");
  q.textContent = `待同步 ${waiting}` + (attention ? ` · 需处理 ${attention}` : "");
  q.dataset.count = String(waiting);
  q.className = `pill queue${state.entries.length ? " has" : ""}`;
  $("#tab-dot").hidden = !attention;
  const notice = $("#notice");
  notice.hidden = !state.notice;
  if (state.notice) {
    notice.textContent = state.notice.text;
    notice.className = `notice ${state.notice.tone}`;
  }
  const t = state.today;
  $("#who").innerHTML = t ? `${esc(t.user.name)}<br>${esc(t.user.role_label)} · ${esc(t.user.region_name)}` : "";
  $("#data-age").textContent = t ? `名单更新于 ${timeOf(t.generated_at)}${state.fromCache ? "（离线缓存）" : ""}` : "";
}

function render() {
  renderStatus();
  document.querySelectorAll(".tabs button").forEach((b) => b.classList.toggle("on", b.dataset.tab === state.tab));
  const main = $("#main");
  if (state.tab === "queue") {
    main.innerHTML = renderQueue();
  } else if (!state.today) {
    main.innerHTML = `<p class="empty">${esc(state.loadError || "正在加载…")}</p>`;
  } else {
    main.innerHTML = state.tab === "today" ? renderToday() : renderHouseholds();
  }
}

/* ------------------------------------------------------------------------------------------ forms */

function riskChoices(name, checked = []) {
  return `<div class="choices">${state.today.risk_choices
    .map((r) => `<label><input type="checkbox" name="${name}" value="${esc(r.value)}" ${checked.includes(r.value) ? "checked" : ""}>${esc(r.label)}</label>`)
    .join("")}</div>`;
}

function photoField(label, required = false) {
  return `<label class="photo-pick">📷 ${esc(label)}${required ? "（必须）" : "（可不拍）"}
      <input type="file" name="photo" accept="image/*" capture="environment"></label>
    <img class="preview" id="preview" alt="照片预览" hidden>`;
}

// A refused entry opened again for editing: what the worker typed, the photo kept unless retaken.
function priorNote(prior) {
  if (!prior) return "";
  const r = prior.result || {};
  const reasons = (r.errors || []).map((x) => x.reason).filter(Boolean);
  return `<div class="field-error" role="alert"><strong>上次未被接受：</strong>${esc(reasons.length ? reasons.join("；") : r.message || "")}</div>`;
}

function openSheet(title, inner, onSubmit, initialPhoto = null) {
  const sheet = $("#sheet");
  sheet.innerHTML = `<div class="head"><button type="button" data-close>‹ 返回</button><h2>${esc(title)}</h2></div>
    <form novalidate>${inner}<div class="field-error" id="form-error" hidden></div>
    <button type="submit" class="btn primary big">保存${navigator.onLine ? "并同步" : "（联网后自动同步）"}</button></form>`;
  sheet.hidden = false;
  sheet.scrollTop = 0;
  const form = $("form", sheet);
  let photo = initialPhoto;
  const input = form.querySelector("input[type=file]");
  if (input && photo) {
    const img = $("#preview", sheet);
    img.src = photo;
    img.hidden = false;
  }
  if (input) {
    input.addEventListener("change", async () => {
      const file = input.files && input.files[0];
      if (!file) return;
      try {
        photo = await downscale(file);
        const img = $("#preview", sheet);
        img.src = photo;
        img.hidden = false;
      } catch (err) {
        showError("照片无法读取，请重新拍摄。");
      }
    });
  }
  $("[data-close]", sheet).addEventListener("click", closeSheet);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = await onSubmit(form, photo);
    if (problem) showError(problem);
  });
}

function showError(text) {
  const box = $("#form-error");
  box.textContent = text;
  box.hidden = false;
}

function closeSheet() {
  const sheet = $("#sheet");
  sheet.hidden = true;
  sheet.innerHTML = "";
}

function checkedValues(form, name) {
  return [...form.querySelectorAll(`input[name=${name}]:checked`)].map((i) => i.value);
}

function riskLabels(values) {
  const labels = Object.fromEntries(state.today.risk_choices.map((r) => [r.value, r.label]));
  return values.map((v) => labels[v] || v);
}

function newEntry(kind, card, caseOut, data, photo) {
  return {
    uuid: uuid4(),
    kind,
    owner: state.username,
    household_no: card ? card.household_no : "",
    case_id: caseOut ? caseOut.id : null,
    base_version: caseOut ? caseOut.base_version : "",
    saved_at: new Date().toISOString(),
    data,
    photo,
    state: "queued",
    snapshot: card,
    result: null,
  };
}

async function saved(entry, prior = null) {
  closeSheet();
  notify(navigator.onLine ? "已保存，正在同步…" : "已保存在手机上，联网后自动同步。", navigator.onLine ? "ok" : "");
  // An edited entry replaces the refused one: a new UUID, since it is a new decision by the worker.
  if (prior) await del(prior.uuid, queueStore);
  await enqueue(entry);
}

// Members' monthly work status seen at the door (劳动力花名册, R-EMP-02): only the ones changed are sent.
function labourFields(card, prior) {
  const people = card.labourers || [];
  if (!people.length) return "";
  const chosen = Object.fromEntries(prior.map((l) => [l.person_id, l.status]));
  const rows = people
    .map((l) => {
      const now = l.status_label ? `${l.status_label}（${l.status_period.replace("-", "年")}月，${l.source_label}）` : "未登记";
      const options = (state.today.labour_statuses || [])
        .map((o) => `<option value="${esc(o.value)}" ${chosen[l.person_id] === o.value ? "selected" : ""}>${esc(o.label)}</option>`)
        .join("");
      return `<label for="labour_${l.person_id}">${esc(l.name)}（${l.age}岁，${esc(l.labour_label)}）</label>
        <select id="labour_${l.person_id}" name="labour_${l.person_id}"><option value="">不变（${esc(now)}）</option>${options}</select>`;
    })
    .join("");
  return `<details ${prior.length ? "open" : ""}><summary>成员本月就业状况</summary>${rows}</details>`;
}

function openVisit(card, prior = null) {
  const c = card.case;
  const p = prior ? prior.data : {};
  const inc = (p.income) || card.income || {};
  const money = (name, label) =>
    `<label>${label}<input name="${name}" inputmode="decimal" value="${esc(inc[name] ?? "0")}"></label>`;
  const levels = state.today.risk_levels
    .map((l) => `<option value="${esc(l.value)}" ${p.risk_level === l.value ? "selected" : ""}>${esc(l.label)}</option>`)
    .join("");
  // Without an open case this is a routine visit (常态化走访): no tier, no photo (nothing to attach it to).
  const context = c
    ? `${esc(c.state_label)} · 当前${esc(c.risk_level_label)}`
    : esc(card.routine ? card.routine.rhythm_label : "常态化走访");
  openSheet(
    `${c ? "走访" : "常态化走访"} · ${card.head_name}家`,
    `${priorNote(prior)}<p class="context">${esc(card.household_no)} · ${context} · 上次走访 ${esc(card.last_visit_on || "无")}</p>
    <label for="visited_on">走访日期</label><input type="date" id="visited_on" name="visited_on" value="${esc(p.visited_on || isoDay())}" max="${isoDay()}" required>
    <label for="notes">走访情况</label><textarea id="notes" name="notes" maxlength="4000" placeholder="家庭生活、收入和就业变化、帮扶措施落实情况……" required>${esc(p.notes || "")}</textarea>
    ${c ? `<label for="risk_level">走访等级</label><select id="risk_level" name="risk_level"><option value="">不变（${esc(c.risk_level_label)}）</option>${levels}</select>` : ""}
    <fieldset><legend>本次发现的新风险（可多选）</legend>${riskChoices("risk", p.risk_types || [])}</fieldset>
    <label for="risk_note">风险情况说明</label><textarea id="risk_note" name="risk_note" maxlength="2000" placeholder="如：户主住院、房屋受损">${esc(p.risk_note || "")}</textarea>
    ${labourFields(card, p.labour || [])}
    <details ${p.income ? "open" : ""}><summary>更新家庭收入（近12个月）</summary>
      <label class="check-line"><input type="checkbox" name="income_on" id="income_on" ${p.income ? "checked" : ""}>本次更新收入</label>
      <label for="income_period">收入期间（截至月份）</label><input type="month" id="income_period" name="income_period" value="${esc(inc.period || isoDay().slice(0, 7))}" max="${isoDay().slice(0, 7)}">
      <div class="grid2">${money("wage", "工资性收入")}${money("business", "生产经营性收入")}${money("property", "财产性收入")}${money("transfer", "转移性收入")}${money("business_cost", "生产经营性支出")}${money("compliant_self_pay", "合规自付支出")}${money("insurance_claims", "理赔收入")}</div>
    </details>
    ${c ? photoField("拍摄走访照片") : ""}`,
    async (form, photo) => {
      const f = new FormData(form);
      const notes = String(f.get("notes") || "").trim();
      if (!f.get("visited_on")) return "请填写走访日期。";
      if (!notes) return "请填写走访情况。";
      const risks = checkedValues(form, "risk");
      const data = {
        visited_on: f.get("visited_on"),
        notes,
        risk_level: f.get("risk_level") || "",
        risk_types: risks,
        risk_labels: riskLabels(risks),
        risk_note: String(f.get("risk_note") || "").trim(),
      };
      const labour = (card.labourers || [])
        .map((l) => ({ person_id: l.person_id, status: String(f.get(`labour_${l.person_id}`) || "") }))
        .filter((l) => l.status);
      if (labour.length) data.labour = labour;
      if (f.get("income_on")) {
        data.income = { period: f.get("income_period") };
        for (const k of ["wage", "business", "property", "transfer", "business_cost", "compliant_self_pay", "insurance_claims"]) {
          data.income[k] = String(f.get(k) || "0").trim() || "0";
        }
      }
      await saved(newEntry("visit", card, c, data, c ? photo : null), prior);
      return "";
    },
    prior && c ? prior.photo : null
  );
}

function openCheck(card, prior = null) {
  const c = card.check;
  const p = prior ? prior.data : {};
  openSheet(
    `入户核实 · ${card.head_name}家`,
    `${priorNote(prior)}<p class="context">${esc(card.household_no)} · ${esc(c.kind_label)} · ${esc(c.state_label)}${c.due_on ? ` · 办结时限 ${esc(c.due_on)}` : ""}</p>
    <label for="checked_on">核实日期</label><input type="date" id="checked_on" name="checked_on" value="${esc(p.checked_on || isoDay())}" max="${isoDay()}" required>
    <label for="findings">核实情况</label><textarea id="findings" name="findings" maxlength="2000" placeholder="家庭人口、收入支出、住房饮水、风险是否属实……" required>${esc(p.findings || "")}</textarea>
    <fieldset><legend>核实的风险类型</legend>${riskChoices("risk", p.risk_types || c.risk_types)}</fieldset>
    ${photoField(c.needs_authorisation ? "拍摄农户签字的《申请及承诺授权查询书》" : "拍摄入户照片", c.needs_authorisation)}`,
    async (form, photo) => {
      const f = new FormData(form);
      const findings = String(f.get("findings") || "").trim();
      if (!f.get("checked_on")) return "请填写核实日期。";
      if (!findings) return "请填写核实情况。";
      if (c.needs_authorisation && !photo) return "请拍摄农户签字的《申请及承诺授权查询书》。";
      const risks = checkedValues(form, "risk");
      const data = { checked_on: f.get("checked_on"), findings, risk_types: risks, risk_labels: riskLabels(risks) };
      await saved(newEntry("home_check", card, c, data, photo), prior);
      return "";
    },
    prior ? prior.photo : null
  );
}

function openReport(card, prior = null) {
  const p = prior ? prior.data : {};
  openSheet(
    card ? `一键报送 · ${card.head_name}家` : "报送未登记的困难群众",
    `${priorNote(prior)}${card ? `<p class="context">${esc(card.household_no)} · ${esc(card.group_name)}</p>` : `<label for="subject_name">当事人姓名</label><input id="subject_name" name="subject_name" maxlength="64" required value="${esc(p.subject_name || "")}">`}
    <fieldset><legend>发现的风险（至少选一项）</legend>${riskChoices("risk", p.risk_types || [])}</fieldset>
    <label for="description">情况说明</label><textarea id="description" name="description" maxlength="2000" placeholder="发生了什么、什么时候、目前情况">${esc(p.description || "")}</textarea>
    <label class="check-line"><input type="checkbox" name="green_channel" ${p.green_channel ? "checked" : ""}>突发自然灾害或意外事故（绿色通道，先帮扶后补程序）</label>
    ${card ? photoField("拍摄现场照片") : ""}`,
    async (form, photo) => {
      const f = new FormData(form);
      const risks = checkedValues(form, "risk");
      if (!risks.length) return "请至少选择一项风险。";
      if (!card && !String(f.get("subject_name") || "").trim()) return "请填写当事人姓名。";
      const data = {
        risk_types: risks,
        risk_labels: riskLabels(risks),
        description: String(f.get("description") || "").trim(),
        subject_name: card ? "" : String(f.get("subject_name") || "").trim(),
        reported_on: isoDay(),
        green_channel: Boolean(f.get("green_channel")),
      };
      await saved(newEntry("report", card, null, data, photo), prior);
      return "";
    },
    prior ? prior.photo : null
  );
}

/* ------------------------------------------------------------------------------------------ events */

async function resend(uuid) {
  const entry = await get(uuid, queueStore);
  if (!entry || !entry.result) return;
  const server = entry.result.server;
  const caseOut = server && (entry.kind === "visit" ? server.case : entry.kind === "home_check" ? server.check : null);
  // A new UUID: this is a new decision by the worker, taken against the server's current record.
  const again = {
    ...entry,
    uuid: uuid4(),
    base_version: entry.result.current_version || (caseOut ? caseOut.base_version : ""),
    case_id: caseOut ? caseOut.id : entry.case_id,
    snapshot: server || entry.snapshot,
    state: "queued",
    result: null,
  };
  await del(uuid, queueStore);
  await enqueue(again);
}

// Open a refused entry's form again with what the worker typed (e.g. a date the server refused), against the
// household's current card; saving queues it as a new entry in place of the refused one.
async function edit(uuid) {
  const entry = await get(uuid, queueStore);
  if (!entry) return;
  const card = entry.household_no ? cardOf(entry.household_no) || entry.snapshot : null;
  if (entry.kind === "visit" && card) openVisit(card, entry);
  else if (entry.kind === "home_check" && card && card.check) openCheck(card, entry);
  else if (entry.kind === "report") openReport(card, entry);
  else notify("该户已不在您的网格内或已没有待办事项，无法修改，请删除此条。", "bad");
}

async function discard(uuid) {
  await del(uuid, queueStore);
  await loadQueue();
  render();
}

async function logout() {
  await loadQueue();
  const mine = state.entries.filter((e) => e.owner === state.username).length;
  if (mine && !confirm(`还有 ${mine} 条记录没有同步。退出后记录保留在手机上，下次您登录后继续同步。确定退出吗？`)) return;
  // The household list is personal data: it does not stay on the phone after logout.
  if (window.caches) await caches.delete("field-data");
  try {
    const who = await fetch(`${API}/session`, { credentials: "same-origin", cache: "no-store" });
    if (who.ok) {
      const form = document.createElement("form");
      form.method = "post";
      form.action = body.logoutUrl;
      form.innerHTML = `<input type="hidden" name="csrfmiddlewaretoken" value="${esc((await who.json()).csrf_token)}">`;
      document.body.appendChild(form);
      form.submit();
      return;
    }
  } catch (err) {
    /* offline: the session ends on the server when it expires; the local list is already gone */
  }
  location.assign(body.loginUrl);
}

document.addEventListener("click", (event) => {
  const tab = event.target.closest(".tabs button");
  if (tab) {
    state.tab = tab.dataset.tab;
    render();
    return;
  }
  const act = event.target.closest("[data-act]");
  if (!act) return;
  const card = cardOf(act.closest("[data-household]")?.dataset.household);
  const uuid = act.closest("[data-uuid]")?.dataset.uuid;
  const action = act.dataset.act;
  if (action === "visit" && card) openVisit(card);
  else if (action === "check" && card) openCheck(card);
  else if (action === "report") openReport(card);
  else if (action === "report-new") openReport(null);
  else if (action === "resend") resend(uuid);
  else if (action === "edit") edit(uuid);
  else if (action === "discard") discard(uuid);
});

document.addEventListener("input", (event) => {
  if (event.target.id === "filter") {
    state.filter = event.target.value;
    const list = $("#household-list");
    const f = state.filter.trim();
    const shown = state.today.households.filter(
      (h) => !f || h.household_no.includes(f) || (h.head_name || "").includes(f) || (h.group_name || "").includes(f)
    );
    list.innerHTML = shown.map(cardHtml).join("") || `<p class="empty">没有符合条件的农户。</p>`;
  }
});

$("#sync-now").addEventListener("click", () => {
  retryDelay = 5000;
  sync();
});
$("#logout").addEventListener("click", logout);
window.addEventListener("online", () => {
  retryDelay = 5000;
  renderStatus();
  sync();
});
window.addEventListener("offline", renderStatus);
setInterval(sync, 60000);

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register(body.swUrl, { scope: "/field/" }).catch(() => {});
  // The first visit loads the list before the worker controls the page: load it once more through the
  // worker so that a copy is kept for offline use.
  navigator.serviceWorker.addEventListener("controllerchange", () => navigator.onLine && loadToday());
}

(async () => {
  await loadQueue();
  render();
  await loadToday();
  sync();
})();
