# Runs a command on a pseudo-terminal (python3's pty module) and types keys into it once the
# terminal is in raw mode (ICANON off, as read back through the pty master). Prints everything
# the terminal showed, then "[exit N]". Kills the command after 60 s ("[killed]").
# usage: python3 pty-run.py KEYS_HEX -- command args...
import os, pty, select, signal, sys, termios, time

keys = bytes.fromhex(sys.argv[1])
cmd = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
out = b""
sent = False
status = None
deadline = time.time() + 60
while time.time() < deadline:
    if not sent:
        try:
            if not (termios.tcgetattr(fd)[3] & termios.ICANON):
                for k in keys:
                    os.write(fd, bytes([k]))
                    time.sleep(0.05)
                sent = True
        except termios.error:
            pass
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        out += data
        if data:
            continue
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        status = st
        break
sys.stdout.buffer.write(out)
if status is None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    sys.stdout.write("\n[killed]\n")
else:
    sys.stdout.write("\n[exit %d]\n" % os.waitstatus_to_exitcode(status))
