import { socket } from "../socket";

socket.on("welcom", () => {}); // error
