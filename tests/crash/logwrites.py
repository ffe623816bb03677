#!/usr/bin/env python3
"""tests/crash/logwrites.py: read a block-device write log and build crash
states from it (docs/crash.md).  Python 3 standard library only.

  logwrites.py dump WLOG
      one line per log entry: index, kind (write/flush/discard), first
      sector, sector count
  logwrites.py plan WLOG IMG [--seed S] [--subsets N] [--atomic BYTES]
      the crash states of the boot WLOG recorded on top of IMG (the disk as
      it was before that boot), one per line:
          ID KIND EPOCH REGIONS RECIPE
      after a table of the flush epochs ("# epoch ..." lines) and the
      per-region counts; states that would give identical disks are listed
      once; --atomic: the unit the disk writes whole (512, the default,
      as old disks promise; 4096 for 4K-sector disks: a torn write then
      splits only at 4 KiB boundaries)
  logwrites.py pick PLAN N SEED
      N states of PLAN (the output of plan), chosen with SEED round-robin
      over (region, kind) groups, so that every region and the torn writes
      are represented
  logwrites.py sbtears WLOG IMG REGION
      the two states per write that changes the UUID in the ext superblock
      of REGION (p2-ext4, ...) in which only one of the superblock's two
      512-byte sectors landed (lines as plan prints them)
  logwrites.py apply WLOG IMG RECIPE
      turn IMG (a copy of the pre-boot disk) into the crash state RECIPE;
      RECIPE "all": every write of the log (the disk the boot left)

A recipe names one crash state exactly, so a failing state can be rebuilt:
    e=E;w=I,J,...[;torn=K:RANGES]
every write of the epochs before E (they are durable: a flush completed
after them), then the writes I, J, ... of epoch E (indices within the
epoch, applied in log order), then of write K of epoch E only the 512-byte
sectors RANGES (e.g. 0-7,9: offsets within that write).
"""
import hashlib
import os
import random
import struct
import sys

MAGIC = 0x6a736677736872
FLUSH, FUA, DISCARD, MARK = 1, 2, 4, 8
ENTRY = struct.Struct('<QQQQ')      # sector, nr_sectors, flags, data_len
SUPER = struct.Struct('<QQQI')      # magic, version, nr_entries, sectorsize
SECTOR = 512                        # disk sectors (GPT LBAs, torn writes)
TEAR = 4096                         # the unit a torn write splits


def die(msg):
    sys.stderr.write('logwrites.py: %s\n' % msg)
    sys.exit(1)


class Write:
    """One logged write: byte offset on the disk, its data, flags."""
    __slots__ = ('index', 'offset', 'data', 'flags', 'epoch', 'pos')

    def __init__(self, index, offset, data, flags):
        self.index, self.offset, self.data, self.flags = index, offset, data, flags
        self.epoch = self.pos = -1


def read_log(path):
    """Entries of the log at PATH: ('write', Write) or ('flush', None).

    The superblock's entry count is only rewritten when a flush is logged
    (docs/crash.md), so entries after the last flush are found by walking
    on until a zero entry header or the end of the file."""
    with open(path, 'rb') as f:
        raw = f.read()
    if len(raw) < SUPER.size:
        die('%s: no log superblock' % path)
    magic, version, count, ssize = SUPER.unpack_from(raw, 0)
    if magic != MAGIC or version != 1:
        die('%s: not a version-1 write log (magic %#x)' % (path, magic))
    if ssize < ENTRY.size or ssize & (ssize - 1):
        die('%s: bad log sector size %d' % (path, ssize))
    out, off, n = [], ssize, 0
    while off + ENTRY.size <= len(raw):
        sector, nsec, flags, _ = ENTRY.unpack_from(raw, off)
        if sector == 0 and nsec == 0 and flags == 0:
            break
        if flags & ~(FLUSH | FUA | DISCARD | MARK):
            die('%s: entry %d: unknown flags %#x' % (path, n, flags))
        off += ssize
        if flags & DISCARD:
            # nothing of a discarded range may be relied on: model it as
            # zeroes, which is what the writes-zeroes path logs as well
            out.append(('write', Write(n, sector * ssize, bytes(nsec * ssize), flags)))
        elif nsec:
            data = raw[off:off + nsec * ssize]
            if len(data) != nsec * ssize:
                die('%s: entry %d: data cut short' % (path, n))
            off += nsec * ssize
            out.append(('write', Write(n, sector * ssize, data, flags)))
        if flags & FLUSH:
            out.append(('flush', None))
        elif flags & FUA:
            # a FUA write is durable once it completed: like a flush after it
            out.append(('flush', None))
        n += 1
    if n < count:
        die('%s: superblock counts %d entries, found %d' % (path, count, n))
    return out


def epochs(entries):
    """Writes grouped by flush epoch: epoch E holds the writes after the
    E-th completed flush and up to the next.  A trailing epoch is kept even
    without a flush after it (the power went away there)."""
    eps, cur = [], []
    for kind, w in entries:
        if kind == 'flush':
            eps.append(cur)
            cur = []
        else:
            cur.append(w)
    eps.append(cur)
    eps = [e for e in eps if e]
    for i, e in enumerate(eps):
        for j, w in enumerate(e):
            w.epoch, w.pos = i, j
    return eps


def gpt_regions(img):
    """[(first byte, end byte, name)] of IMG: the two GPT copies and each
    partition, named by the filesystem its first blocks show."""
    with open(img, 'rb') as f:
        f.seek(SECTOR)
        hdr = f.read(92)
        if hdr[:8] != b'EFI PART':
            die('%s: no GPT header at LBA 1' % img)
        alt, first_usable, last_usable, arr, nent, esize = \
            struct.unpack_from('<Q Q Q 16x Q I I', hdr, 32)
        arr_bytes = nent * esize
        arr_end = arr * SECTOR + arr_bytes
        regs = [(0, max(arr_end, first_usable * SECTOR), 'gpt-primary'),
                (alt * SECTOR - arr_bytes, (alt + 1) * SECTOR, 'gpt-backup')]
        regs[1] = (min(regs[1][0], (last_usable + 1) * SECTOR), regs[1][1], 'gpt-backup')
        f.seek(arr * SECTOR)
        table = f.read(arr_bytes)
        for i in range(nent):
            ent = table[i * esize:(i + 1) * esize]
            if ent[:16] == bytes(16):
                continue
            lo, hi = struct.unpack_from('<QQ', ent, 32)
            f.seek(lo * SECTOR)
            head = f.read(8192)
            regs.append((lo * SECTOR, (hi + 1) * SECTOR, 'p%d-%s' % (i + 1, fs_name(head))))
    return regs


def fs_name(head):
    if head[1080:1082] == b'\x53\xef':
        return 'ext4'
    if head[:4] == b'XFSB':
        return 'xfs'
    if head[510:512] == b'\x55\xaa' and (head[82:87] == b'FAT32' or head[54:57] == b'FAT'):
        return 'vfat'
    if head[4086:4096] == b'SWAPSPACE2':
        return 'swap'
    return 'data'


def region_of(regs, w):
    names = [n for lo, hi, n in regs if w.offset < hi and w.offset + len(w.data) > lo]
    return '+'.join(names) or 'other'


class Disk:
    """The pre-boot image, read on demand, for comparing states."""
    def __init__(self, img):
        self.f = open(img, 'rb')
        self.cache = {}

    def sector(self, s):
        d = self.cache.get(s)
        if d is None:
            self.f.seek(s * SECTOR)
            d = self.f.read(SECTOR).ljust(SECTOR, b'\0')
            self.cache[s] = d
        return d


def overlay_add(ov, offset, data, keep=None):
    """Put DATA at byte OFFSET into the sector map OV; KEEP: the set of
    sector offsets (within DATA) that land, None for all."""
    base = offset // SECTOR
    for k in range(len(data) // SECTOR):
        if keep is None or k in keep:
            ov[base + k] = data[k * SECTOR:(k + 1) * SECTOR]


def fingerprint(disk, ov):
    h = hashlib.sha256()
    for s in sorted(ov):
        if ov[s] != disk.sector(s):
            h.update(struct.pack('<Q', s))
            h.update(ov[s])
    return h.hexdigest()


def parse_ranges(text):
    keep = set()
    for part in text.split(','):
        if '-' in part:
            a, b = part.split('-')
            keep.update(range(int(a), int(b) + 1))
        elif part:
            keep.add(int(part))
    return keep


def fmt_ranges(keep):
    out, run = [], None
    for k in sorted(keep):
        if run and k == run[1] + 1:
            run[1] = k
        else:
            run = [k, k]
            out.append(run)
    return ','.join('%d-%d' % (a, b) if a != b else '%d' % a for a, b in out)


def parse_recipe(text, eps):
    fields = dict(kv.split('=', 1) for kv in text.split(';') if kv)
    try:
        e = int(fields['e'])
        ws = [int(x) for x in fields.get('w', '').split(',') if x]
        torn = None
        if fields.get('torn'):
            k, r = fields['torn'].split(':', 1)
            torn = (int(k), parse_ranges(r))
    except (KeyError, ValueError):
        die('bad recipe %r (want e=E;w=I,J;torn=K:RANGES)' % text)
    if not 0 <= e < len(eps) or any(not 0 <= i < len(eps[e]) for i in ws) or \
            (torn and not 0 <= torn[0] < len(eps[e])):
        die('recipe %r does not fit this log (%d epochs)' % (text, len(eps)))
    return e, ws, torn


def state_writes(eps, e, ws, torn):
    """(Write, keep) in the order they are applied."""
    out = [(w, None) for ep in eps[:e] for w in ep]
    chosen = {i: None for i in ws}
    if torn:
        chosen[torn[0]] = torn[1]
    for i in sorted(chosen):
        out.append((eps[e][i], chosen[i]))
    return out


def recipe(e, ws, torn=None):
    r = 'e=%d;w=%s' % (e, ','.join(str(i) for i in ws))
    if torn:
        r += ';torn=%d:%s' % (torn[0], fmt_ranges(torn[1]))
    return r


def torn_keep(rng, nbytes, changed, unit):
    """The sectors of a torn write that landed: every 4 KiB block before a
    randomly chosen one, and of that block a random subset of its UNIT-byte
    pieces (a disk writes 4 KiB blocks one after another, each of them
    possibly only in part, but never less than UNIT bytes: its atomic
    write unit).  CHANGED: the sectors (offsets in
    the write) whose content the write changes; the draw is repeated until
    some of them landed and some did not, else the state would equal the
    write not landing or landing whole.  None when there is no such draw."""
    nsec = nbytes // SECTOR
    per = TEAR // SECTOR
    upc = unit // SECTOR
    blocks = sorted({k // per for k in changed})
    if len(changed) < 2:
        return None
    for _ in range(64):
        b = rng.choice(blocks)
        keep = set(range(b * per))
        for u in range(per // upc):
            if rng.random() < 0.5:
                keep.update(b * per + u * upc + k for k in range(upc))
        if keep & changed and changed - keep and len(keep) < nsec:
            return keep
    return None


JBD2_COMMIT = b'\xc0\x3b\x39\x98\x00\x00\x00\x02'    # magic, block type 2


def kernel_own_tear(regs, ov, disk, w, keep):
    """What the kernel itself wrote, torn by KEEP in a way reseal cannot
    make safe on a 512-byte-sector disk (docs/crash.md section 6), or None:
    - 'ext4 superblock': one of the two sectors of an ext4 superblock
      landed and not the other, and W does not change its UUID (mount
      times, counters: not reseal's change);
    - 'jbd2 commit block': the commit block of the ext4 journal, which the
      kernel writes for every transaction, landed in part."""
    for lo, hi, name in regs:
        if not name.endswith('-ext4') or not lo <= w.offset < hi:
            continue
        if w.data[:8] == JBD2_COMMIT:
            return 'jbd2 commit block'
        k = (lo + 1024 - w.offset) // SECTOR
        if (lo + 1024 - w.offset) % SECTOR or not 0 <= k < len(w.data) // SECTOR - 1:
            continue
        if (k in keep) == (k + 1 in keep):
            continue
        before = ov.get(w.offset // SECTOR + k) or disk.sector(w.offset // SECTOR + k)
        if w.data[k * SECTOR + 0x68:k * SECTOR + 0x78] == before[0x68:0x78]:
            return 'ext4 superblock'
    return None


def plan(wlog, img, seed, nsubsets, unit):
    eps = epochs(read_log(wlog))
    regs = gpt_regions(img)
    disk = Disk(img)
    rng = random.Random(seed)
    seen, states = set(), []
    left_out = {}
    base = {}
    per_region, per_kind = {}, {}
    lines = []
    for e, ep in enumerate(eps):
        n = len(ep)
        cands = [('prefix', list(range(k)), None) for k in range(n)]
        if e == len(eps) - 1:
            cands.append(('prefix', list(range(n)), None))
        tried = set()
        for _ in range(nsubsets * 4 if n > 2 else 0):
            if len([c for c in cands if c[0] == 'subset']) >= nsubsets:
                break
            ws = [i for i in range(n) if rng.random() < 0.5]
            if ws == list(range(len(ws))) or tuple(ws) in tried:
                continue        # empty, a prefix, or drawn before
            tried.add(tuple(ws))
            cands.append(('subset', ws, None))
        ov = dict(base)
        for i, w in enumerate(ep):
            if len(w.data) >= TEAR and len(w.data) % TEAR == 0:
                first = w.offset // SECTOR
                changed = set()
                for k in range(len(w.data) // SECTOR):
                    before = ov.get(first + k) or disk.sector(first + k)
                    if w.data[k * SECTOR:(k + 1) * SECTOR] != before:
                        changed.add(k)
                keep = torn_keep(rng, len(w.data), changed, unit)
                own = keep is not None and unit == SECTOR and kernel_own_tear(regs, ov, disk, w, keep)
                if own:
                    left_out[own] = left_out.get(own, 0) + 1
                elif keep is not None:
                    cands.append(('torn', list(range(i)), (i, keep)))
            overlay_add(ov, w.offset, w.data)
        regions = sorted({region_of(regs, w) for w in ep})
        counts = {}
        for kind, ws, torn in cands:
            ov = dict(base)
            for i in ws:
                overlay_add(ov, ep[i].offset, ep[i].data)
            if torn:
                overlay_add(ov, ep[torn[0]].offset, ep[torn[0]].data, torn[1])
            fp = fingerprint(disk, ov)
            if fp in seen:
                continue
            seen.add(fp)
            # the region of the op in flight: the write the cut falls on
            at = torn[0] if torn else (ws[-1] + 1 if kind == 'prefix' and ws else 0)
            if kind == 'subset':
                at = min(set(range(n)) - set(ws))
            reg = region_of(regs, ep[min(at, n - 1)])
            states.append((kind, e, reg, recipe(e, ws, torn)))
            counts[kind] = counts.get(kind, 0) + 1
            per_region[reg] = per_region.get(reg, 0) + 1
            per_kind[kind] = per_kind.get(kind, 0) + 1
        lines.append('# epoch %3d: %3d writes %-40s states: %s' % (
            e, n, ','.join(regions),
            ' '.join('%s=%d' % kv for kv in sorted(counts.items())) or 'none new'))
        for w in ep:
            overlay_add(base, w.offset, w.data)
    nw = sum(len(ep) for ep in eps)
    print('# %s: %d writes in %d flush epochs' % (os.path.basename(wlog), nw, len(eps)))
    for ln in lines:
        print(ln)
    for reg in sorted(per_region):
        print('# region %-16s %4d states' % (reg, per_region[reg]))
    print('# kinds: %s' % ' '.join('%s=%d' % kv for kv in sorted(per_kind.items())))
    for what, k in sorted(left_out.items()):
        print('# left out: %d torn writes of a kernel-written %s (docs/crash.md '
              'section 6)' % (k, what))
    print('# total: %d distinct states' % len(states))
    for i, (kind, e, reg, r) in enumerate(states):
        print('%d %s %d %s %s' % (i, kind, e, reg, r))


def pick(planfile, n, seed):
    states = []
    with open(planfile) as f:
        for ln in f:
            if ln.startswith('#') or not ln.strip():
                continue
            states.append(ln.split())
    rng = random.Random(seed)
    # one queue per region, its kinds interleaved, each region starting
    # with another kind; then round-robin over the regions, so that every
    # region comes before any comes twice and every kind shows up
    kinds = ['torn', 'subset', 'prefix']
    regions = sorted({s[3] for s in states})
    rng.shuffle(regions)
    queues = []
    for r, reg in enumerate(regions):
        per = {k: [s for s in states if s[3] == reg and s[1] == k] for k in kinds}
        for k in kinds:
            rng.shuffle(per[k])
        order = kinds[r % 3:] + kinds[:r % 3]
        q = []
        while any(per.values()):
            for k in order:
                if per[k]:
                    q.append(per[k].pop())
        queues.append(q)
    out = []
    # at least one torn write, taken from a region other than the
    # root's when there is one (the root's states are the most numerous)
    torn = [s for q in queues for s in q if s[1] == 'torn']
    torn = [s for s in torn if 'ext4' not in s[3]] or torn
    if n > 0 and torn:
        pick1 = rng.choice(torn)
        out.append(pick1)
        for q in queues:
            if pick1 in q:
                q.remove(pick1)
                queues.remove(q)
                queues.append(q)        # its region has had its turn
                break
    while len(out) < n and any(queues):
        for q in queues:
            if q and len(out) < n:
                out.append(q.pop(0))
    for s in sorted(out, key=lambda s: int(s[0])):
        print(' '.join(s))


def sbtears(wlog, img, region):
    """The states where a write changing the UUID of the ext superblock of
    REGION (a partition, named as plan names it) landed in one of the
    superblock's two sectors only: what a 512-byte-sector disk may keep of
    the change's last write (docs/crash.md)."""
    eps = epochs(read_log(wlog))
    regs = [r for r in gpt_regions(img) if r[2] == region]
    if not regs:
        die('%s: no region %s' % (img, region))
    sb = regs[0][0] + 1024
    disk = Disk(img)
    ov, n = {}, 0
    for e, ep in enumerate(eps):
        for i, w in enumerate(ep):
            lo = sb - w.offset
            if 0 <= lo and lo + 1024 <= len(w.data) and lo % SECTOR == 0:
                s0 = sb // SECTOR
                before = ov.get(s0) or disk.sector(s0)
                if w.data[lo + 0x68:lo + 0x78] != before[0x68:0x78]:
                    every = set(range(len(w.data) // SECTOR))
                    for k in (0, 1):
                        keep = every - {lo // SECTOR + 1 - k}
                        print('sb%d torn %d %s %s' % (n, e, region,
                                                      recipe(e, list(range(i)), (i, keep))))
                        n += 1
            overlay_add(ov, w.offset, w.data)


def apply(wlog, img, text):
    eps = epochs(read_log(wlog))
    if text == 'all':
        e, ws, torn = len(eps) - 1, list(range(len(eps[-1]))), None
    else:
        e, ws, torn = parse_recipe(text, eps)
    with open(img, 'r+b') as f:
        for w, keep in state_writes(eps, e, ws, torn):
            if keep is None:
                f.seek(w.offset)
                f.write(w.data)
                continue
            for k in sorted(keep):
                if k * SECTOR < len(w.data):
                    f.seek(w.offset + k * SECTOR)
                    f.write(w.data[k * SECTOR:(k + 1) * SECTOR])


def dump(wlog):
    eps = epochs(read_log(wlog))
    for e, ep in enumerate(eps):
        for w in ep:
            print('%4d e=%d w=%d %s sector %d count %d' % (
                w.index, e, w.pos, 'discard' if w.flags & DISCARD else 'write',
                w.offset // SECTOR, len(w.data) // SECTOR))
        print('     flush')


def main(argv):
    opts = {'--seed': '1', '--subsets': '3', '--atomic': '512'}
    args = []
    it = iter(argv[1:])
    for a in it:
        if a in opts:
            opts[a] = next(it, None) or die('%s needs a value' % a)
        else:
            args.append(a)
    if args[:1] == ['dump'] and len(args) == 2:
        dump(args[1])
    elif args[:1] == ['plan'] and len(args) == 3:
        unit = int(opts['--atomic'])
        if unit not in (SECTOR, TEAR):
            die('--atomic must be %d or %d' % (SECTOR, TEAR))
        plan(args[1], args[2], int(opts['--seed']), int(opts['--subsets']), unit)
    elif args[:1] == ['pick'] and len(args) == 4:
        pick(args[1], int(args[2]), int(args[3]))
    elif args[:1] == ['sbtears'] and len(args) == 4:
        sbtears(args[1], args[2], args[3])
    elif args[:1] == ['apply'] and len(args) == 4:
        apply(args[1], args[2], args[3])
    else:
        sys.stderr.write(__doc__)
        sys.exit(100)


if __name__ == '__main__':
    main(sys.argv)
