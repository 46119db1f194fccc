// A client using every chat event as the contract declares it: compiles under --strict.
import type { AckError, RoomAck } from "../generated/chat";
import { socket } from "./socket";

socket.on("welcome", ({ name, sid }) => console.log(name.toUpperCase(), sid.length));
socket.on("user_joined", (u) => console.log(`${u.name} joined ${u.room}`));
socket.on("user_left", (u) => console.log(`${u.name} left ${u.room}`));
socket.on("new_message", (m) => console.log(m.room, m.name, m.text.trim()));

type ChatCode = "not_in_room" | "internal" | "validation_failed" | "rate_limited" | "timeout";

function show(res: RoomAck | AckError<ChatCode>): string {
  if ("error" in res) {
    const code: ChatCode = res.error.code;
    return `${code}: ${res.error.message}`;
  }
  const ok: boolean = res.ok;
  return `${ok} ${res.room}`;
}

socket.emit("join_room", { room: "lobby" }, (res) => console.log(show(res)));
socket.emit("send_message", { room: "lobby", text: "hello" }, (res) => {
  if (!("error" in res)) console.log(res.ok);
});
socket.emit("list_rooms", (res) => {
  if (!("error" in res)) console.log(res.rooms.map((r) => r.length));
});

async function leave(): Promise<string> {
  const res = await socket.emitWithAck("leave_room", { room: "lobby" });
  return show(res);
}
void leave();
