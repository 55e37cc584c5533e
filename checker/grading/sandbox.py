"""Closing the grading worker's sandbox: privileges, resource limits and an audit hook.

Loaded by file path inside the worker (imports only the standard library). ``close`` is called
once, after the worker has imported everything it needs; nothing run afterwards can undo it:

- as root, the worker becomes ``nobody`` (no supplementary groups): the OS then refuses to let it
  signal other users' processes, write outside its (chowned) temp dir or read private files;
- resource limits (``setrlimit``): address space, CPU seconds, file size, open files, core dumps 0,
  number of processes 0 (no fork, no threads; root ignores this one, hence the audit hook too);
- no native code can be loaded any more (``_imp.create_dynamic`` is removed, ``ctypes`` events are
  denied, ``_posixsubprocess`` is unloaded and cannot be imported again);
- ``sys.addaudithook`` (cannot be removed) denies process creation, signals to other processes,
  sockets, ctypes, code objects built by hand, ``gc`` object walks, raising resource limits, SQLite,
  and file access outside the allowed folders: reading only under the standard library,
  site-packages, the datasets folder, the worker's temp dir, ``/proc/self`` and a few devices;
  writing, renaming and deleting only under the temp dir, and at most ``written_files`` (200) opens for
  writing per worker (with the file size limit this bounds the disk a submission can fill). Paths are resolved (symlinks, ``..``)
  with functions captured when the sandbox closes, so monkeypatching ``os.path`` cannot fool it.

Every denial raises ``PermissionError("grading sandbox: <event> is not allowed ...")`` and is
appended to ``DENIALS`` so the trusted side can name the attack.

What it cannot do: an audit hook watches Python-level operations only.
Code that corrupts the interpreter's memory (CPython has known crashers) runs native code the hook
never sees; then only the OS-level layers above (the ``nobody`` user when started as root, rlimits)
remain. OS namespaces, seccomp or a container are the stronger boundary for hostile classes.
"""

from __future__ import annotations

import os
import sys

DENIALS: list = []
_closed = False

# Modules whose import is refused once the sandbox is closed (native file or process access).
BLOCKED_IMPORTS = frozenset({
    "_posixsubprocess", "_sqlite3", "sqlite3", "_dbm", "_gdbm", "dbm", "pty", "readline", "_tkinter",
    "termios", "_curses", "_multiprocessing", "_posixshmem", "cffi", "_cffi_backend",
})

# Events refused outright.
DENIED_EVENTS = frozenset({
    "os.fork", "os.forkpty", "os.vfork", "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
    "os.spawn", "os.killpg", "os.startfile", "pty.spawn", "os.symlink",
    "ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.call_function", "ctypes.cdata",
    "ctypes.cdata/buffer", "ctypes.string_at", "ctypes.wstring_at", "ctypes.PyObj_FromPtr",
    "ctypes.set_errno", "ctypes.get_errno", "ctypes.seh_exception",
    "socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
    "socket.gethostbyname", "socket.gethostbyaddr", "socket.sethostname",
    "sqlite3.connect", "sqlite3.connect/handle", "sqlite3.enable_load_extension", "sqlite3.load_extension",
    "resource.setrlimit", "resource.prlimit",
    "gc.get_objects", "gc.get_referrers", "gc.get_referents",
    "code.__new__", "function.__new__", "fcntl.ioctl", "fcntl.fcntl", "fcntl.flock", "fcntl.lockf",
    "webbrowser.open", "os.chroot", "os.setxattr", "os.removexattr", "os.chflags", "os.lchflags",
    "_winapi.CreateProcess", "winreg.ConnectRegistry",
})

# Events whose path arguments must lie in the temp dir (they change the file system).
_WRITE_PATH_EVENTS = {
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1), "os.link": (0, 1),
    "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,),
    "os.lchown": (0,), "os.lchmod": (0,), "os.mkfifo": (0,), "os.mknod": (0,),
    "shutil.rmtree": (0,), "shutil.copytree": (1,), "shutil.move": (0, 1), "shutil.copymode": (1,),
    "shutil.copystat": (1,), "shutil.copyfile": (1,), "shutil.chown": (0,), "shutil.make_archive": (0,),
    "shutil.unpack_archive": (1,),
}
# Events whose path arguments must be readable.
_READ_PATH_EVENTS = {
    "os.listdir": (0,), "os.scandir": (0,), "os.chdir": (0,), "glob.glob": (0,), "glob.glob/2": (0,),
    "os.listxattr": (0,), "os.getxattr": (0,), "shutil.copyfile": (0,), "shutil.copytree": (0,),
    "shutil.copymode": (0,), "shutil.copystat": (0,), "shutil.unpack_archive": (0,),
}


def _remove_native_loaders() -> None:
    import _imp

    for name in ("create_dynamic", "exec_dynamic"):
        if hasattr(_imp, name):
            delattr(_imp, name)
    for name in ("_posixsubprocess",):
        sys.modules.pop(name, None)
    subprocess = sys.modules.get("subprocess")
    if subprocess is not None:
        for attribute in ("_posixsubprocess", "_fork_exec"):
            if hasattr(subprocess, attribute):
                setattr(subprocess, attribute, None)


def _drop_privileges(temp_dir: str) -> str | None:
    """As root: become nobody (after giving it the temp dir). Returns the user name or None."""
    if os.getuid() != 0:
        return None
    uid = gid = 65534
    try:
        import pwd

        entry = pwd.getpwnam("nobody")
        uid, gid = entry.pw_uid, entry.pw_gid
    except (ImportError, KeyError):
        pass
    for folder, _, files in os.walk(temp_dir):
        os.chown(folder, uid, gid)
        for name in files:
            os.chown(os.path.join(folder, name), uid, gid)
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    return "nobody"


def _set_limits(limits: dict) -> None:
    import resource

    def lower(kind, soft, hard=None):
        hard = soft if hard is None else hard
        old_soft, old_hard = resource.getrlimit(kind)
        if old_hard != resource.RLIM_INFINITY:
            hard = min(hard, old_hard)
        soft = min(soft, hard)
        resource.setrlimit(kind, (soft, hard))

    if limits.get("memory_bytes"):
        lower(resource.RLIMIT_AS, int(limits["memory_bytes"]))
    if limits.get("cpu_seconds"):
        cpu = int(limits["cpu_seconds"])
        lower(resource.RLIMIT_CPU, cpu, cpu + 5)
    if limits.get("file_bytes"):
        lower(resource.RLIMIT_FSIZE, int(limits["file_bytes"]))
    lower(resource.RLIMIT_NOFILE, int(limits.get("open_files", 256)))
    lower(resource.RLIMIT_CORE, 0)
    lower(resource.RLIMIT_NPROC, 0)


def close(*, temp_dir: str, read_roots, deny_roots=(), limits: dict | None = None) -> dict:
    """Close the sandbox (once). Returns what was done: {"user": ..., "limits": ...}."""
    global _closed
    if _closed:
        raise RuntimeError("the sandbox is already closed")
    import posix
    import importlib

    for name in ("pwd", "resource", "pathlib"):  # imported while the standard library is still readable
        importlib.import_module(name)
    import signal

    limits = dict(limits or {})
    temp = os.path.realpath(temp_dir)
    _remove_native_loaders()
    user = _drop_privileges(temp)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large file fails with an error, not a kill
    _set_limits(limits)

    # Everything the hook uses is captured now, as locals: C functions and immutable values.
    lstat, readlink, getcwd, getpid, fsdecode = posix.lstat, posix.readlink, posix.getcwd, posix.getpid, os.fsdecode
    getframe = sys._getframe
    my_pid = getpid()
    temp_roots = (temp,)
    reads = tuple(sorted({os.path.realpath(str(r)) for r in read_roots} | {temp, f"/proc/{my_pid}"}))
    denies = tuple(sorted({os.path.realpath(str(r)) for r in deny_roots}))
    devices_read = ("/dev/null", "/dev/urandom", "/dev/random", "/dev/zero")
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    blocked_imports, denied_events = BLOCKED_IMPORTS, DENIED_EVENTS
    write_events, read_events = dict(_WRITE_PATH_EVENTS), dict(_READ_PATH_EVENTS)
    record = DENIALS.append
    opened_for_writing = []
    max_written_files = int(limits.get("written_files", 200))
    str_type, bytes_type, int_type = str, bytes, int
    import pathlib

    # path objects: only pathlib's own, with their conversion methods as shipped (a PathLike whose
    # __fspath__ answers differently on a second call could otherwise show the hook another path)
    path_types = (pathlib.PosixPath, pathlib.PurePosixPath)
    path_methods = (pathlib.PurePath.__fspath__, pathlib.PurePath.__str__)

    def realpath(path):
        if type(path) is bytes_type:
            path = fsdecode(path)
        elif type(path) is not str_type:
            kind = type(path)
            if kind not in path_types or (kind.__fspath__, kind.__str__) != path_methods:
                return "/<path object of type " + kind.__name__ + ">"
            path = fsdecode(path)
            if type(path) is not str_type:
                return "/<path object>"
        if not path.startswith("/"):
            path = getcwd() + "/" + path
        if path.startswith("/proc/self/") or path == "/proc/self":
            path = f"/proc/{my_pid}" + path[len("/proc/self"):]
        stack = [p for p in path.split("/") if p and p != "."][::-1]
        resolved, links = "", 0
        while stack:
            part = stack.pop()
            if part == "..":
                resolved = resolved[: resolved.rfind("/")] if resolved else ""
                continue
            candidate = resolved + "/" + part
            try:
                mode = lstat(candidate).st_mode
            except (OSError, ValueError):
                resolved = candidate
                continue
            if mode & 0o170000 == 0o120000:
                links += 1
                if links > 40:
                    return "/<symlink loop>"
                target = readlink(candidate)
                if target.startswith("/"):
                    resolved = ""
                stack.extend([p for p in target.split("/") if p and p != "."][::-1])
            else:
                resolved = candidate
        return resolved or "/"

    def under(path, roots):
        for root in roots:
            if path == root or path.startswith(root + "/"):
                return True
        return False

    def readable(path):
        real = realpath(path)
        if real in devices_read:
            return True
        return under(real, reads) and not under(real, denies)

    def writable(path):
        real = realpath(path)
        return real == "/dev/null" or under(real, temp_roots)

    def deny(event, detail=""):
        record(event if not detail else f"{event} {detail}")
        raise PermissionError(f"grading sandbox: {event}{' ' + detail if detail else ''} is not allowed")

    def show(value):
        text = value if type(value) is str_type else repr(value)
        return text if len(text) <= 200 else text[:200] + "..."

    def hook(event, args):
        if event in denied_events:
            deny(event)
        if event == "open":
            path, mode, flags = args
            if type(path) is int_type:
                return
            writing = (mode is not None and any(c in mode for c in "wax+")) or (
                mode is None and type(flags) is int_type and flags & write_flags)
            if writing:
                if not writable(path):
                    deny("open", f"{show(path)} for writing")
                if show(path) != "/dev/null":
                    opened_for_writing.append(1)
                    if len(opened_for_writing) > max_written_files:
                        deny("open", f"for writing more than {max_written_files} times (the disk is shared)")
            elif not readable(path):
                deny("open", show(path))
            return
        if event == "import":
            name = args[0]
            if type(name) is str_type and (name in blocked_imports or name.split(".")[0] in blocked_imports):
                deny("import", name)
            return
        if event in ("marshal.loads", "marshal.load"):
            caller = getframe(1).f_code
            if not (caller.co_name == "_compile_bytecode" and caller.co_filename == "<frozen importlib._bootstrap_external>"):
                deny(event)
            return
        if event == "os.kill":
            pid = args[0]
            if pid != my_pid:
                deny("os.kill", f"of process {show(pid)}")
            return
        if event in write_events:
            for i in write_events[event]:
                if i < len(args) and args[i] is not None and type(args[i]) is not int_type and not writable(args[i]):
                    deny(event, show(args[i]))
        if event in read_events:
            for i in read_events[event]:
                if i < len(args) and args[i] is not None and type(args[i]) is not int_type and not readable(args[i]):
                    deny(event, show(args[i]))

    sys.addaudithook(hook)
    _closed = True
    return {"user": user, "limits": limits}
