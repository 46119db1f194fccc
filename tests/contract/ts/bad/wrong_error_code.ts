import { socket } from "../socket";

socket.emit("send_message", { room: "lobby", text: "hi" }, (res) => {
  if ("error" in res && res.error.code === "not_found") console.log(res.error.message); // error
});
