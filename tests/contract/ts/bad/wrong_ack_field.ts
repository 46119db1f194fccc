import { socket } from "../socket";

socket.emit("join_room", { room: "lobby" }, (res) => {
  if (!("error" in res)) console.log(res.joined); // error
});
