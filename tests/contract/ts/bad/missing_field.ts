import { socket } from "../socket";

socket.emit("send_message", { room: "lobby" }, () => {}); // error
