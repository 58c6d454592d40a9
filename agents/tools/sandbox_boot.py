"""Runs inside the sandbox's child interpreter (``python -I -S sandbox_boot.py LIMITS CODE_FILE``).

It sets the kernel limits, installs an audit hook that refuses processes, sockets, ctypes and
writes outside the working folder, then runs the user's code. Stdlib only, never imported by
the lab itself. The kernel does the rest: a network namespace (no interfaces) where ``unshare``
works, CPU-time and address-space limits, and a process-count limit for non-root users.
"""

import json
import os
import resource
import sys
import traceback

DENIED_EVENTS = (
    "os.fork",
    "os.forkpty",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "subprocess.Popen",
    "os.kill",
    "os.killpg",
    "signal.pthread_kill",
    "pty.spawn",
    "socket.__new__",
    "socket.connect",
    "socket.bind",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.sendto",
    "socket.sendmsg",
    "os.chown",
    "os.chroot",
    "os.setuid",
    "os.setgid",
)
DENIED_IMPORTS = ("ctypes", "_ctypes", "_posixsubprocess", "multiprocessing", "_multiprocessing")
WRITE_EVENTS = (
    "os.remove",
    "os.rename",
    "os.rmdir",
    "os.mkdir",
    "os.chmod",
    "os.symlink",
    "os.link",
    "os.truncate",
    "os.utime",
    "shutil.rmtree",
)


def set_limits(limits):
    mb = 1024 * 1024
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_s"], limits["cpu_s"] + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory_mb"] * mb, limits["memory_mb"] * mb))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_mb"] * mb, limits["file_mb"] * mb))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    try:  # ignored by the kernel for the host's root; the audit hook below covers that case
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["nproc"], limits["nproc"]))
    except (ValueError, OSError):
        pass


def make_hook(workdir):
    def inside(path):
        try:
            full = os.path.realpath(os.fsdecode(path) if not isinstance(path, int) else workdir)
        except (TypeError, ValueError):
            return False
        return full == workdir or full.startswith(workdir + os.sep)

    def hook(event, args):
        if event in DENIED_EVENTS or event.startswith("ctypes."):
            raise PermissionError(f"sandbox: {event} is not allowed (no processes, no network)")
        if event == "import" and args[0].split(".")[0] in DENIED_IMPORTS:
            raise PermissionError(f"sandbox: importing {args[0]} is not allowed")
        if event == "open" and args[1] is not None and any(c in str(args[1]) for c in "wax+") and not inside(args[0]):
            raise PermissionError(f"sandbox: writing outside the working folder is not allowed ({args[0]})")
        if (
            event == "open"
            and args[1] is None
            and isinstance(args[2], int)
            and args[2] & (os.O_WRONLY | os.O_RDWR)
            and not inside(args[0])
        ):
            raise PermissionError(f"sandbox: writing outside the working folder is not allowed ({args[0]})")
        if event in WRITE_EVENTS and args and not inside(args[0]):
            raise PermissionError(f"sandbox: {event} outside the working folder is not allowed")

    return hook


def main():
    limits = json.loads(sys.argv[1])
    code_path = sys.argv[2]
    workdir = os.path.realpath(os.getcwd())
    with open(code_path, encoding="utf-8") as handle:
        source = handle.read()
    set_limits(limits)
    sys.addaudithook(make_hook(workdir))
    del sys.argv[1:]
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        exec(compile(source, "<sandbox>", "exec"), namespace)
    except SystemExit:
        raise
    except BaseException as exc:  # the user's traceback, without this file's frames
        tb = exc.__traceback__.tb_next if exc.__traceback__ else None
        traceback.print_exception(type(exc), exc, tb)
        sys.exit(1)


if __name__ == "__main__":
    main()
