// The fastsio chat demo page. Plain browser JavaScript, no build step: it talks to the server's
// `/chat` namespace with the official socket.io client (loaded from /socket.io.min.js).
//
// Every piece of text that comes from a user or the server is put into the page with
// `textContent` (never `innerHTML`), so names, rooms and messages cannot inject markup.
//
// Stable element ids (the browser test drives them): #name #connect #status #room #join #leave
// #rooms #messages #text #send #errors. #status carries data-state (idle | connecting |
// connected | reconnecting | disconnected), data-sid (from `welcome`) and data-reconnects;
// each #rooms item carries data-room and data-joined ("false" while the page is rejoining).
"use strict";

(() => {
  const ACK_TIMEOUT_MS = 5000;
  const MAX_ERRORS = 5;
  const MAX_ENTRIES_PER_ROOM = 500;
  const NAME_KEY = "fastsio-chat-name";

  const $ = (id) => document.getElementById(id);
  const el = {
    login: $("login"),
    loginForm: $("login-form"),
    name: $("name"),
    connect: $("connect"),
    who: $("who"),
    me: $("me"),
    disconnect: $("disconnect"),
    status: $("status"),
    errors: $("errors"),
    chat: $("chat"),
    roomForm: $("room-form"),
    room: $("room"),
    join: $("join"),
    leave: $("leave"),
    rooms: $("rooms"),
    noRooms: $("no-rooms"),
    currentRoom: $("current-room"),
    messages: $("messages"),
    messageForm: $("message-form"),
    text: $("text"),
    send: $("send"),
  };

  // ---- state ----------------------------------------------------------------------------------
  let socket = null;
  let me = { name: "", sid: "" };
  let joined = []; // the rooms the server last said this socket is in (list_rooms), sorted
  let wanted = new Set(); // the rooms to be in: rejoined after a reconnect
  let stale = false; // `joined` is out of date: disconnected, or rejoining after a reconnect
  let current = null; // the room whose messages are shown
  const history = new Map(); // room -> [{kind: "message" | "system", name?, text, at}]
  const unread = new Map(); // room -> count of messages not seen yet
  let connects = 0; // successful connects of this socket (1 + reconnects)
  let retryTimer = null;
  let retryDelay = 1000;

  // ---- status ---------------------------------------------------------------------------------
  function setStatus(state, text) {
    el.status.dataset.state = state;
    el.status.textContent = text;
    el.status.title = text;
  }

  function setConnected() {
    setStatus("connected", me.name ? `connected as ${me.name}` : "connected");
  }

  // ---- errors ---------------------------------------------------------------------------------
  // Turns an error's `details` into readable lines. Understands the server's validation details
  // ({field: [{code, message, params}]}, nested for nested fields) and shows anything else as
  // `key: JSON`.
  function describeDetails(details, prefix = "") {
    if (details === null || details === undefined) return [];
    if (typeof details !== "object") return [prefix ? `${prefix}: ${details}` : String(details)];
    if (Array.isArray(details)) {
      return details.flatMap((d, i) =>
        d && typeof d === "object" && "code" in d
          ? [describeViolation(prefix || `#${i}`, d)]
          : describeDetails(d, prefix ? `${prefix}[${i}]` : ""),
      );
    }
    const lines = [];
    for (const [key, value] of Object.entries(details)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (Array.isArray(value) && value.every((v) => v && typeof v === "object" && "code" in v)) {
        for (const v of value) lines.push(describeViolation(path, v));
      } else if (value && typeof value === "object") {
        lines.push(...describeDetails(value, path));
      } else {
        lines.push(`${path}: ${JSON.stringify(value)}`);
      }
    }
    return lines;
  }

  function describeViolation(field, v) {
    const params = v.params && typeof v.params === "object" ? v.params : {};
    const limits = Object.entries(params)
      .filter(([k]) => k !== "value")
      .map(([k, val]) => `${k} ${JSON.stringify(val)}`);
    let line = `${field}: ${v.message || v.code}`;
    if (!v.message && limits.length) line += ` (${limits.join(", ")})`;
    if (typeof params.value === "string") line += ` — got ${[...params.value].length} characters`;
    return line;
  }

  // Shows an error inline, newest first. The same error repeated (say rate_limited while
  // typing fast) bumps a counter instead of stacking up.
  function showError(error, context) {
    const code = String((error && error.code) || "error");
    const message = String((error && error.message) || "something went wrong");
    const details = error ? error.details : undefined;
    const key = JSON.stringify([code, context || "", message, details ?? null]);
    const first = el.errors.firstElementChild;
    if (first && first.dataset.key === key) {
      const count = Number(first.dataset.count || "1") + 1;
      first.dataset.count = String(count);
      first.querySelector(".count").textContent = `×${count}`;
      return;
    }

    const li = document.createElement("li");
    li.className = "error";
    li.dataset.code = code;
    li.dataset.context = context || "";
    li.dataset.key = key;
    li.dataset.count = "1";

    const head = document.createElement("div");
    head.className = "error-head";
    const codeEl = document.createElement("strong");
    codeEl.className = "code";
    codeEl.textContent = code;
    head.append(codeEl);
    if (context) {
      const ctx = document.createElement("span");
      ctx.className = "context";
      ctx.textContent = context;
      head.append(ctx);
    }
    const count = document.createElement("span");
    count.className = "count";
    head.append(count);
    const close = document.createElement("button");
    close.type = "button";
    close.className = "dismiss";
    close.title = "dismiss";
    close.setAttribute("aria-label", "dismiss this error");
    close.textContent = "×";
    close.addEventListener("click", () => li.remove());
    head.append(close);

    const msg = document.createElement("div");
    msg.className = "message";
    msg.textContent = message;
    li.append(head, msg);

    const lines = describeDetails(details);
    if (lines.length) {
      const list = document.createElement("ul");
      list.className = "details";
      for (const line of lines) {
        const item = document.createElement("li");
        item.textContent = line;
        list.append(item);
      }
      li.append(list);
    }

    el.errors.prepend(li);
    while (el.errors.children.length > MAX_ERRORS) el.errors.lastElementChild.remove();
  }

  // ---- requests with acks ---------------------------------------------------------------------
  // Emits `event` and resolves with {ok: ackValue} or {error: {code, message, details}}. Never
  // emits while disconnected: socket.io-client would buffer the packet and send it after the
  // reconnect, before the page has rejoined its rooms.
  function request(event, ...args) {
    return new Promise((resolve) => {
      if (!socket || !socket.connected) {
        resolve({
          error: {
            code: "not_connected",
            message: "not connected to the server: wait until the status says connected",
          },
        });
        return;
      }
      socket.timeout(ACK_TIMEOUT_MS).emit(event, ...args, (err, res) => {
        if (err) {
          resolve({
            error: {
              code: "timeout",
              message: `the server did not answer within ${ACK_TIMEOUT_MS / 1000} s`,
            },
          });
        } else if (res && typeof res === "object" && res.error) {
          resolve({ error: res.error });
        } else {
          resolve({ ok: res });
        }
      });
    });
  }

  // ---- rooms ----------------------------------------------------------------------------------
  async function refreshRooms() {
    const r = await request("list_rooms");
    if (r.error) {
      showError(r.error, "list rooms");
      return;
    }
    const rooms = r.ok && Array.isArray(r.ok.rooms) ? r.ok.rooms.map(String) : [];
    joined = rooms;
    wanted = new Set(rooms);
    stale = false;
    if (current !== null && !rooms.includes(current)) current = null;
    if (current === null && rooms.length) select(rooms[0]);
    render();
  }

  async function joinRoom(room) {
    const r = await request("join_room", { room });
    if (r.error) {
      showError(r.error, `join ${JSON.stringify(room)}`);
      return;
    }
    const name = r.ok && typeof r.ok.room === "string" ? r.ok.room : room;
    wanted.add(name);
    addEntry(name, { kind: "system", text: `you joined ${name}` });
    select(name);
    el.room.value = "";
    await refreshRooms();
  }

  async function leaveRoom(room) {
    const r = await request("leave_room", { room });
    if (r.error) {
      showError(r.error, `leave ${JSON.stringify(room)}`);
      return;
    }
    wanted.delete(room);
    history.delete(room);
    unread.delete(room);
    if (current === room) current = null;
    el.room.value = "";
    await refreshRooms();
  }

  // After a reconnect the server has forgotten this socket's rooms: join them again.
  async function rejoin() {
    const rooms = [...wanted];
    const results = await Promise.all(rooms.map((room) => request("join_room", { room })));
    results.forEach((r, i) => {
      if (r.error) showError(r.error, `rejoin ${JSON.stringify(rooms[i])}`);
      else addEntry(rooms[i], { kind: "system", text: `reconnected: rejoined ${rooms[i]}` });
    });
    await refreshRooms();
  }

  function select(room) {
    current = room;
    unread.delete(room);
    render();
  }

  // ---- messages -------------------------------------------------------------------------------
  function addEntry(room, entry) {
    entry.at = new Date();
    let list = history.get(room);
    if (!list) history.set(room, (list = []));
    list.push(entry);
    if (list.length > MAX_ENTRIES_PER_ROOM) list.splice(0, list.length - MAX_ENTRIES_PER_ROOM);
    if (room === current) {
      appendEntry(entry);
    } else if (entry.kind === "message") {
      unread.set(room, (unread.get(room) || 0) + 1);
      renderRooms();
    }
  }

  function entryNode(entry) {
    const li = document.createElement("li");
    const time = document.createElement("time");
    time.dateTime = entry.at.toISOString();
    time.textContent = entry.at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    if (entry.kind === "message") {
      li.className = entry.name === me.name ? "message mine" : "message";
      const head = document.createElement("div");
      head.className = "meta";
      const sender = document.createElement("span");
      sender.className = "sender";
      sender.textContent = entry.name;
      head.append(sender, time);
      const text = document.createElement("div");
      text.className = "text";
      text.textContent = entry.text;
      li.append(head, text);
    } else {
      li.className = "system";
      const text = document.createElement("span");
      text.textContent = entry.text;
      li.append(text, time);
    }
    return li;
  }

  function appendEntry(entry) {
    const nearBottom =
      el.messages.scrollHeight - el.messages.scrollTop - el.messages.clientHeight < 80;
    el.messages.append(entryNode(entry));
    while (el.messages.children.length > MAX_ENTRIES_PER_ROOM) el.messages.firstElementChild.remove();
    if (nearBottom) el.messages.scrollTop = el.messages.scrollHeight;
  }

  // ---- rendering ------------------------------------------------------------------------------
  function renderRooms() {
    const items = joined.map((room) => {
      const li = document.createElement("li");
      li.dataset.room = room;
      li.dataset.joined = stale ? "false" : "true";
      if (room === current) li.classList.add("active");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "room-button";
      button.title = stale ? `${room} (rejoining…)` : `show ${room}`;
      const label = document.createElement("span");
      label.className = "room-name";
      label.textContent = room;
      button.append(label);
      const count = unread.get(room);
      if (count) {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = count > 99 ? "99+" : String(count);
        button.append(badge);
      }
      button.addEventListener("click", () => select(room));
      li.append(button);
      return li;
    });
    el.rooms.replaceChildren(...items);
    el.noRooms.hidden = joined.length > 0;
  }

  function renderMessages() {
    el.currentRoom.textContent = current === null ? "no room selected" : `# ${current}`;
    el.messages.dataset.room = current === null ? "" : current;
    el.messages.replaceChildren(...(history.get(current) || []).map(entryNode));
    el.messages.scrollTop = el.messages.scrollHeight;
  }

  function renderComposer() {
    const usable = Boolean(socket && socket.connected && current !== null && !stale);
    el.text.disabled = !usable;
    el.send.disabled = !usable;
    el.text.placeholder =
      current === null
        ? "Join a room to write"
        : usable
          ? `Message # ${current}`
          : "Waiting for the connection…";
  }

  function render() {
    renderRooms();
    renderMessages();
    renderComposer();
  }

  function showChat(inChat) {
    el.login.hidden = inChat;
    el.chat.hidden = !inChat;
    el.who.hidden = !inChat;
  }

  // ---- the connection -------------------------------------------------------------------------
  function stop() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (socket) {
      socket.off();
      socket.io.off();
      socket.disconnect();
      socket = null;
    }
  }

  function start(name) {
    stop();
    connects = 0;
    retryDelay = 1000;
    me = { name: name.trim(), sid: "" };
    delete el.status.dataset.sid;
    el.status.dataset.reconnects = "0";
    setStatus("connecting", "connecting…");

    const s = io("/chat", {
      auth: { name },
      forceNew: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
      timeout: 5000,
    });
    socket = s;

    s.on("connect", () => {
      connects += 1;
      // Errors about connecting are answered now.
      for (const li of [...el.errors.children]) {
        if (li.dataset.context === "connect" || li.dataset.code === "not_connected") li.remove();
      }
      retryDelay = 1000;
      el.status.dataset.reconnects = String(connects - 1);
      setConnected();
      showChat(true);
      el.me.textContent = me.name;
      // A new server session knows none of the page's rooms: join them (again).
      if (wanted.size) {
        rejoin();
      } else {
        stale = false;
        refreshRooms();
      }
      if (connects === 1) el.room.focus();
    });

    s.on("welcome", (data) => {
      if (!data || typeof data !== "object") return;
      me = { name: String(data.name ?? me.name), sid: String(data.sid ?? "") };
      el.me.textContent = me.name;
      el.status.dataset.sid = me.sid;
      if (s.connected) setConnected();
    });

    s.on("disconnect", (reason) => {
      stale = true;
      render();
      if (reason === "io client disconnect") {
        setStatus("disconnected", "disconnected");
      } else if (s.active) {
        // Lost the transport (server restart, network): socket.io-client reconnects by itself.
        setStatus("reconnecting", `disconnected (${reason}), reconnecting…`);
      } else {
        // The server closed this socket (say it shut down cleanly): the client does not retry
        // by itself after that, so the page does, with a growing delay.
        setStatus("reconnecting", `disconnected by the server, reconnecting in ${retryDelay / 1000} s…`);
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => {
          if (socket === s && !s.connected) s.connect();
        }, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 10000);
      }
    });

    s.on("connect_error", (err) => {
      if (s.active) {
        // The server could not be reached: the client retries by itself.
        setStatus(
          connects === 0 ? "connecting" : "reconnecting",
          `server unreachable (${err.message}), retrying…`,
        );
        return;
      }
      // The server refused the connection (say an invalid name): show why, ask again.
      const data = err.data && typeof err.data === "object" ? err.data : {};
      showError(
        { code: data.code || "connect_error", message: err.message, details: data.details },
        "connect",
      );
      setStatus("disconnected", "connection refused");
      stop();
      showChat(false);
      el.name.focus();
      el.name.select();
    });

    s.io.on("reconnect_attempt", (attempt) => {
      setStatus("reconnecting", `reconnecting (attempt ${attempt})…`);
    });

    s.on("user_joined", (data) => {
      if (data && typeof data.room === "string") {
        addEntry(data.room, { kind: "system", text: `${data.name} joined` });
      }
    });

    s.on("user_left", (data) => {
      if (data && typeof data.room === "string") {
        addEntry(data.room, { kind: "system", text: `${data.name} left` });
      }
    });

    s.on("new_message", (data) => {
      if (data && typeof data.room === "string") {
        addEntry(data.room, { kind: "message", name: String(data.name), text: String(data.text) });
      }
    });
  }

  // ---- the forms ------------------------------------------------------------------------------
  el.loginForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const name = el.name.value;
    try {
      localStorage.setItem(NAME_KEY, name);
    } catch {
      // storage may be unavailable (private mode): remembering the name is only a nicety
    }
    start(name);
  });

  el.roomForm.addEventListener("submit", (e) => {
    e.preventDefault();
    // Sent as typed: the server validates (1 to 64 characters) and the page shows its answer.
    joinRoom(el.room.value);
  });

  el.leave.addEventListener("click", () => {
    const room = el.room.value !== "" ? el.room.value : current;
    if (room === null) {
      showError(
        { code: "no_room", message: "type the room to leave, or pick one from the list" },
        "leave",
      );
      return;
    }
    leaveRoom(room);
  });

  el.messageForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = el.text.value;
    const room = current;
    if (text === "" || room === null) return;
    el.text.value = "";
    const r = await request("send_message", { room, text });
    if (r.error) {
      showError(r.error, `send to ${JSON.stringify(room)}`);
      if (el.text.value === "") el.text.value = text; // keep what was typed
    }
  });

  el.disconnect.addEventListener("click", () => {
    stop();
    joined = [];
    wanted = new Set();
    stale = false;
    current = null;
    history.clear();
    unread.clear();
    render();
    showChat(false);
    setStatus("disconnected", "you left the chat");
    el.name.focus();
  });

  // ---- start ----------------------------------------------------------------------------------
  try {
    el.name.value = localStorage.getItem(NAME_KEY) || "";
  } catch {
    // see above
  }
  if (typeof io !== "function") {
    showError(
      {
        code: "client_missing",
        message:
          "the socket.io client (/socket.io.min.js) did not load: run scripts/chat.sh, which installs it",
      },
      "page",
    );
    el.connect.disabled = true;
  }
  render();
})();
