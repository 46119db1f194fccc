// Shared steps of the socket.io-client scripts: waiting for a connection to be accepted or
// refused, each bounded by a timeout so that a missing answer fails instead of hanging.

/** Resolves with `socket` on `connect`; rejects on `connect_error` or after `timeoutMs`. */
export function connected(socket, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connect for ${socket.nsp}`)), timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      reject(new Error(`connect_error on ${socket.nsp}: ${err.message} ${JSON.stringify(err.data)}`));
    });
  });
}

/** Resolves with `{message, data}` of the `connect_error` a refused connection gets. */
export function refused(socket, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connect_error for ${socket.nsp}`)), timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      reject(new Error(`${socket.nsp} connected, expected a connect_error`));
    });
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      socket.close();
      resolve({ message: err.message, data: err.data ?? null });
    });
  });
}
