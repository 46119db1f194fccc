import { socket } from "../socket";

socket.emit("join_rom", { room: "lobby" }, () => {}); // error
