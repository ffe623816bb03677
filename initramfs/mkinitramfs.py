#!/usr/bin/python3
"""mkinitramfs.py: the reproducible initramfs writer behind initramfs/build.sh.

Writes a newc cpio (gzip -n -9 unless OUT ends in .cpio) holding /init, the
directories reseal's boot mode needs, and optionally kernel modules with their
dependencies resolved from modules.dep, listed in load order in
/etc/reseal/modules.  Every entry is owned by 0:0, has a fixed mode and
mtime = SOURCE_DATE_EPOCH (or 0); entries are sorted by path and numbered in
that order, so two runs on the same inputs give byte-identical output.

Python standard library only (Debian's /usr/bin/python3); .ko.zst modules
need the zstd program.  See initramfs/README.md.
"""
import gzip
import lzma
import os
import stat
import subprocess
import sys

USAGE = """\
usage: build.sh --init BIN --out OUT.cpio.gz [--kver KVER] [--moddir DIR]
                [--modules "m1 m2 ..."] [--softdeps]
                [--extra SRC:DEST]... [--symlink DEST:TARGET]...
       build.sh --list --kver KVER --modules "m1 m2 ..." [--moddir DIR] [--softdeps]

--init BIN        becomes /init (mode 0755); a script's #! interpreter must
                  be in the image (add it with --extra)
--out OUT         OUT.cpio.gz (gzip -n -9) or OUT.cpio (uncompressed)
--kver KVER       kernel version: creates /lib/modules/KVER; modules come
                  from DIR/KVER (--moddir, default /lib/modules)
--modules LIST    module names (or exact aliases), '-' and '_' alike; their
                  dependencies are added first; built-in ones become comments
--softdeps        also follow modules.softdep pre:/post: entries
--extra SRC:DEST  copy a file or a directory tree to DEST in the image
--symlink D:T     a symlink D -> T in the image
--list            print the resolved load order and exit

Exit codes: 0 ok, 100 usage error, 111 failure."""

MODLIST = "etc/reseal/modules"
BASE_DIRS = ["dev", "proc", "sys", "run", "sysroot", "etc", "etc/reseal"]
# Harmless on a kernel whose built-in cpio already has /dev/console (Debian's
# default list does): they make the image self-sufficient when it has not,
# so that init starts with fds 0, 1, 2 open (docs/boot.md §7).
DEV_NODES = [("dev/console", 0o600, 5, 1), ("dev/null", 0o666, 1, 3)]
COMPRESSED = (".ko.xz", ".ko.zst", ".ko.gz")


class Fail(Exception):
    pass


def die_usage(msg):
    sys.stderr.write("build.sh: usage: %s\n%s\n" % (msg, USAGE))
    sys.exit(100)


def norm(name):
    return name.replace("-", "_")


def modname(path):
    base = os.path.basename(path)
    for suf in COMPRESSED + (".ko",):
        if base.endswith(suf):
            return norm(base[: -len(suf)])
    return norm(base)


class Kernel:
    """modules.dep, modules.builtin, modules.alias and modules.softdep of one
    kernel version."""

    def __init__(self, moddir, kver):
        self.dir = os.path.join(moddir, kver)
        dep = os.path.join(self.dir, "modules.dep")
        if not os.path.isfile(dep):
            raise Fail("%s not found (is the kernel installed? run depmod %s)" % (dep, kver))
        self.path = {}   # name -> path relative to self.dir
        self.deps = {}   # name -> [dep names], as modules.dep lists them
        with open(dep) as f:
            for line in f:
                if ":" not in line:
                    continue
                mod, _, rest = line.partition(":")
                n = modname(mod.strip())
                self.path[n] = mod.strip()
                self.deps[n] = [modname(d) for d in rest.split()]
        self.builtin = set()
        try:
            with open(os.path.join(self.dir, "modules.builtin")) as f:
                self.builtin = {modname(l.strip()) for l in f if l.strip()}
        except FileNotFoundError:
            pass
        # An alias may have several providers (crc32c: crc32_arm_ce and
        # crc32c_generic); all are kept, in modules.alias order, because the
        # image builder cannot know which of them the target CPU can load.
        self.alias = {}  # alias -> [provider names]
        try:
            with open(os.path.join(self.dir, "modules.alias")) as f:
                for line in f:
                    w = line.split()
                    if len(w) == 3 and w[0] == "alias" and not any(c in w[1] for c in "*?["):
                        prov = self.alias.setdefault(norm(w[1]), [])
                        if norm(w[2]) not in prov:
                            prov.append(norm(w[2]))
        except FileNotFoundError:
            pass
        # Built-in modules' aliases are only in modules.builtin.modinfo
        # (NUL-separated "module.alias=value"; arm64's crc32c_generic).
        try:
            with open(os.path.join(self.dir, "modules.builtin.modinfo"), "rb") as f:
                for rec in f.read().split(b"\0"):
                    mod, dot, rest = rec.decode("utf-8", "replace").partition(".")
                    key, eq, val = rest.partition("=")
                    if dot and eq and key == "alias" and not any(c in val for c in "*?["):
                        prov = self.alias.setdefault(norm(val), [])
                        if norm(mod) not in prov:
                            prov.append(norm(mod))
        except FileNotFoundError:
            pass
        self.soft = {}   # name -> (pre, post)
        try:
            with open(os.path.join(self.dir, "modules.softdep")) as f:
                for line in f:
                    w = line.split()
                    if len(w) < 2 or w[0] != "softdep":
                        continue
                    pre, post = self.soft.setdefault(norm(w[1]), ([], []))
                    cur = None
                    for t in w[2:]:
                        if t == "pre:":
                            cur = pre
                        elif t == "post:":
                            cur = post
                        elif cur is not None:
                            cur.append(norm(t))
        except FileNotFoundError:
            pass

    def resolve(self, name):
        """-> [(name, 'module'|'builtin')], or raises.  A module name gives
        itself; an alias gives every provider this kernel has (a module that
        fails to load on the target, like crc32_arm_ce on a CPU without the
        CRC32 instructions, is then backed by the generic one)."""
        n = norm(name)
        if n in self.path:
            return [(n, "module")]
        if n in self.builtin:
            return [(n, "builtin")]
        out = []
        for cand in self.alias.get(n, []) + self.alias.get("crypto_" + n, []):
            kind = "module" if cand in self.path else "builtin" if cand in self.builtin else None
            if kind and (cand, kind) not in out:
                out.append((cand, kind))
        if not out:
            raise Fail("module %s: not in %s/modules.dep, modules.builtin or modules.alias" % (name, self.dir))
        return out

    def order(self, names, softdeps=False):
        """Load order, dependencies first.  Returns [(name, kind, why)] where
        kind is 'module' or 'builtin'."""
        out, done, busy = [], set(), set()

        def visit(name, why, soft):
            try:
                provs = self.resolve(name)
            except Fail as e:
                if soft:   # an optional softdep that this kernel lacks
                    sys.stderr.write("build.sh: warning: %s (softdep, skipped)\n" % e)
                    return
                raise
            for n, kind in provs:
                visit1(n, kind, why)

        def visit1(n, kind, why):
            if n in done:
                return
            if kind == "builtin":
                done.add(n)
                out.append((n, kind, why))
                return
            if n in busy:
                raise Fail("module dependency cycle at %s" % n)
            busy.add(n)
            pre, post = self.soft.get(n, ([], [])) if softdeps else ([], [])
            for p in pre:
                visit(p, "softdep of " + n, True)
            # modules.dep lists the full closure, the deepest last: walk it
            # backwards, recursing anyway so the order holds whatever depmod did.
            for d in reversed(self.deps[n]):
                visit(d, "needed by " + n, False)
            busy.discard(n)
            done.add(n)
            out.append((n, kind, why))
            for p in post:
                visit(p, "softdep of " + n, True)

        for n in names:
            visit(n, "requested", False)
        return out

    def read(self, n):
        """The module's bytes, decompressed; and its path in the image."""
        rel = self.path[n]
        src = os.path.join(self.dir, rel)
        with open(src, "rb") as f:
            data = f.read()
        if rel.endswith(".ko.xz"):
            data, rel = lzma.decompress(data), rel[:-3]
        elif rel.endswith(".ko.gz"):
            data, rel = gzip.decompress(data), rel[:-3]
        elif rel.endswith(".ko.zst"):
            try:
                data = subprocess.run(["zstd", "-dcq"], input=data, check=True,
                                      stdout=subprocess.PIPE).stdout
            except (OSError, subprocess.CalledProcessError) as e:
                raise Fail("unable to decompress %s with zstd: %s" % (src, e))
            rel = rel[:-4]
        return data, rel


class Cpio:
    def __init__(self, mtime):
        self.mtime = mtime
        self.ent = {}   # path (no leading /) -> (mode, data, rdev)

    def _parents(self, path):
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            p = "/".join(parts[:i])
            if p not in self.ent:
                self.ent[p] = (stat.S_IFDIR | 0o755, b"", (0, 0))
            elif not stat.S_ISDIR(self.ent[p][0]):
                raise Fail("/%s is both a file and a directory" % p)

    def add(self, path, mode, data=b"", rdev=(0, 0)):
        path = os.path.normpath("/" + path).lstrip("/")
        if not path:
            return
        if path in self.ent and not (stat.S_ISDIR(mode) and stat.S_ISDIR(self.ent[path][0])):
            raise Fail("/%s is added twice" % path)
        self._parents(path)
        self.ent[path] = (mode, data, rdev)

    def add_dir(self, path):
        self.add(path, stat.S_IFDIR | 0o755)

    def add_file(self, path, data, exe):
        self.add(path, stat.S_IFREG | (0o755 if exe else 0o644), data)

    def add_tree(self, src, dest):
        st = os.lstat(src)
        if stat.S_ISLNK(st.st_mode):
            self.add(dest, stat.S_IFLNK | 0o777, os.readlink(src).encode())
        elif stat.S_ISDIR(st.st_mode):
            self.add_dir(dest)
            for name in sorted(os.listdir(src)):
                self.add_tree(os.path.join(src, name), dest + "/" + name)
        elif stat.S_ISREG(st.st_mode):
            with open(src, "rb") as f:
                self.add_file(dest, f.read(), st.st_mode & 0o111)
        else:
            raise Fail("%s: only files, directories and symlinks can be copied" % src)

    def bytes(self):
        out = bytearray()

        def rec(ino, name, mode, data, nlink, rdev):
            nb = name.encode() + b"\0"
            hdr = "070701" + "".join("%08X" % v for v in (
                ino, mode, 0, 0, nlink, self.mtime, len(data), 0, 0,
                rdev[0], rdev[1], len(nb), 0))
            out.extend(hdr.encode() + nb)
            out.extend(b"\0" * (-len(out) % 4))
            out.extend(data)
            out.extend(b"\0" * (-len(out) % 4))

        for ino, path in enumerate(sorted(self.ent, key=lambda p: p.encode()), 1):
            mode, data, rdev = self.ent[path]
            rec(ino, path, mode, data, 2 if stat.S_ISDIR(mode) else 1, rdev)
        rec(0, "TRAILER!!!", 0, b"", 1, (0, 0))
        return bytes(out)


def parse(argv):
    o = {"init": None, "out": None, "kver": None, "moddir": "/lib/modules",
         "modules": [], "softdeps": False, "extra": [], "symlink": [], "list": False}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(USAGE)
            sys.exit(0)
        if a in ("--softdeps", "--list"):
            o[a[2:]] = True
            i += 1
            continue
        if a not in ("--init", "--out", "--kver", "--moddir", "--modules", "--extra", "--symlink"):
            die_usage("unknown argument %r" % a)
        if i + 1 >= len(argv):
            die_usage("%s needs a value" % a)
        v = argv[i + 1]
        i += 2
        k = a[2:]
        if k == "modules":
            o[k] += v.split()
        elif k in ("extra", "symlink"):
            src, sep, dst = v.rpartition(":") if k == "extra" else v.partition(":")
            if not sep or not src or not dst:
                die_usage("%s wants A:B, got %r" % (a, v))
            o[k].append((src, dst))
        else:
            o[k] = v
    if o["modules"] and not o["kver"]:
        die_usage("--modules needs --kver")
    if o["list"]:
        if not o["modules"]:
            die_usage("--list needs --modules")
    elif not o["init"] or not o["out"]:
        die_usage("--init and --out are required")
    return o


def interpreter(data):
    if not data.startswith(b"#!"):
        return None
    line = data[2:].split(b"\n", 1)[0].strip()
    return line.split()[0].decode() if line else None


def main(argv):
    o = parse(argv)
    order = []
    kern = None
    if o["modules"]:
        kern = Kernel(o["moddir"], o["kver"])
        order = kern.order(o["modules"], o["softdeps"])
    if o["list"]:
        for n, kind, why in order:
            if kind == "builtin":
                print("# %s: built in (%s)" % (n, why))
            else:
                print("%s\t# %s" % (kern.path[n], why))
        return 0

    sde = os.environ.get("SOURCE_DATE_EPOCH", "0") or "0"
    if not sde.isdigit():
        raise Fail("SOURCE_DATE_EPOCH=%r is not a number" % sde)
    c = Cpio(int(sde))
    for d in BASE_DIRS:
        c.add_dir(d)
    for path, mode, ma, mi in DEV_NODES:
        c.add(path, stat.S_IFCHR | mode, rdev=(ma, mi))
    if not os.path.isfile(o["init"]):
        raise Fail("--init %s: not a regular file" % o["init"])
    with open(o["init"], "rb") as f:
        init = f.read()
    c.add_file("init", init, True)
    if o["kver"]:
        c.add_dir("lib/modules/" + o["kver"])

    lines = ["# Kernel modules, in load order (dependencies first), for finit_module.",
             "# Written by initramfs/build.sh for kernel %s." % (o["kver"] or "-")]
    nmod = 0
    for n, kind, why in order:
        if kind == "builtin":
            lines.append("# %s: built in (%s)" % (n, why))
            continue
        data, rel = kern.read(n)
        dest = "lib/modules/%s/%s" % (o["kver"], rel)
        c.add_file(dest, data, False)
        lines.append("/" + dest)
        nmod += 1
    if order:
        c.add_file(MODLIST, ("\n".join(lines) + "\n").encode(), False)

    for src, dst in o["extra"]:
        if not os.path.lexists(src):
            raise Fail("--extra %s: no such file" % src)
        c.add_tree(src, dst)
    for dst, target in o["symlink"]:
        c.add(dst, stat.S_IFLNK | 0o777, target.encode())

    interp = interpreter(init)
    if interp:
        p = os.path.normpath(interp).lstrip("/")
        seen = set()
        while p in c.ent and stat.S_ISLNK(c.ent[p][0]) and p not in seen:
            seen.add(p)
            t = c.ent[p][1].decode()
            p = os.path.normpath(os.path.join(os.path.dirname(p), t) if not t.startswith("/") else t).lstrip("/")
        if p not in c.ent or not stat.S_ISREG(c.ent[p][0]):
            raise Fail("--init %s is a script for %s, which the image does not hold "
                       "(add it with --extra/--symlink)" % (o["init"], interp))

    raw = c.bytes()
    out = o["out"]
    tmp = out + ".tmp"
    if out.endswith(".cpio"):
        blob = raw
    else:
        blob = subprocess.run(["gzip", "-n", "-9", "-c"], input=raw, check=True,
                              stdout=subprocess.PIPE).stdout
    with open(tmp, "wb") as f:
        f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, out)
    print("initramfs: %s: %d bytes (cpio %d bytes, %d entries, %d modules)"
          % (out, len(blob), len(raw), len(c.ent), nmod))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Fail as e:
        sys.stderr.write("build.sh: fatal: %s\n" % e)
        sys.exit(111)
    except OSError as e:
        sys.stderr.write("build.sh: fatal: %s\n" % e)
        sys.exit(111)
