import { socket } from "../socket";

socket.emit("join_room", { rom: "lobby" }, () => {}); // error
