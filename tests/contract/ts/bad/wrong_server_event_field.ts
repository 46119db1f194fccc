import { socket } from "../socket";

socket.on("welcome", (w) => console.log(w.nick)); // error
