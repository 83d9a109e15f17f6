// segue-daemon.js: starts and stops the segue daemon from Max (Node for Max, [node.script]).
//
// Messages: "start [port] [reply_port]" runs `segue serve --port P --reply-port R` (while a stopped daemon
// is still exiting, it starts once that one has gone, so "stop" then "start" restarts);
// "stop" ends it (SIGTERM: the daemon sends every note-off, then exits); "command PATH..." sets the
// program to run (default "segue"; e.g. "command /Users/me/venv/bin/segue", or
// "command python -m bridge"); "options FLAGS..." adds flags after the ports (e.g. "options --no-midi",
// "options --model mymodel"). The daemon is also stopped when the patch closes or Max quits.
// Outlet: "loaded" once this script runs (a patch starts the daemon on it too, in case its load-time
// "start" came before Node was up), "running pid", "exited code", or "error message"; the daemon's
// console lines go to the Max console.

const { spawn } = require("child_process");
const maxApi = require("max-api");

let command = ["segue"];
let options = [];
let child = null;
let stopping = false; // child was sent SIGTERM and has not exited yet
let pending = null; // [port, replyPort] to start once the stopping child has exited

function stop() {
  pending = null;
  if (child !== null && child.exitCode === null) {
    stopping = true;
    child.kill("SIGTERM");
  }
}

function start(port = 9000, replyPort = 9001) {
  if (child !== null && child.exitCode === null) {
    if (stopping) {
      pending = [port, replyPort];
    } else {
      maxApi.outlet("running", child.pid);
    }
    return;
  }
  const args = [...command.slice(1), "serve", "--port", String(port), "--reply-port", String(replyPort),
    ...options];
  const proc = spawn(command[0], args, { stdio: ["ignore", "pipe", "pipe"] });
  child = proc;
  stopping = false;
  proc.on("error", (err) => {
    if (child === proc && proc.pid === undefined) {
      child = null; // never started: the next "start" tries again
      stopping = false;
      pending = null;
    }
    maxApi.outlet("error", `cannot run ${command[0]}: ${err.message}; send "command /path/to/segue"`);
  });
  proc.on("spawn", () => maxApi.outlet("running", proc.pid));
  proc.on("exit", (code, signal) => {
    maxApi.outlet("exited", code === null ? String(signal) : code);
    if (child === proc) {
      child = null;
      stopping = false;
      if (pending !== null) {
        const [nextPort, nextReplyPort] = pending;
        pending = null;
        start(nextPort, nextReplyPort);
      }
    }
  });
  for (const stream of [proc.stdout, proc.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (text) => {
      for (const line of text.split("\n")) {
        if (line.trim()) {
          maxApi.post(line);
        }
      }
    });
  }
}

maxApi.addHandler("start", (port, replyPort) => start(port || 9000, replyPort || 9001));
maxApi.addHandler("stop", stop);
maxApi.addHandler("options", (...words) => {
  options = words.map(String);
});
maxApi.addHandler("command", (...words) => {
  if (words.length > 0) {
    command = words.map(String);
  }
});

// Max ends the Node process when the patch closes: take the daemon with it
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"]) {
  process.on(sig, () => {
    stop();
    process.exit(0);
  });
}
process.on("exit", stop);
maxApi.outlet("loaded");
