// The chat's typed socket, as a TypeScript frontend opens it.
import { io, type Socket } from "socket.io-client";
import type { Auth, ClientToServerEvents, ServerToClientEvents } from "../generated/chat";

const auth: Auth = { name: "ada" };

export const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(
  "http://127.0.0.1:3000/chat",
  { auth, autoConnect: false },
);
