"""tests/oracles/sshkey.py: a second, independent reader and writer of the
unencrypted OpenSSH private key format (openssh-key-v1, docs/keys.md §2,
§3), used by tests/keys.sh and tests/t-keys.sh.  Run with Debian's
/usr/bin/python3: it needs python3-cryptography.

  write SEED OUT [--comment C] [--check HEX] [--corrupt-pub]
        Write the Ed25519 key of the 32-byte SEED (hex) to OUT (70-column
        armor) and its public line to OUT.pub.  The check-int (both copies)
        is HEX, 01020304 unless given.  --corrupt-pub flips the sign bit of
        the public key everywhere it is stored: a deliberately wrong key,
        what an implementation that only computes y would write, for the
        negative controls.
        `write 9d61b1...7f60 OUT --comment test@reseal --check deadbeef`
        gives the TEST 1 file that tests/unit/test_sshkey.c embeds.

  structure KEY
        Exit 0 when KEY follows every rule of the format that reseal writes:
        BEGIN/END lines, body lines of 70 columns (the last 1..70),
        canonical base64, LF line ends and a final LF; magic; cipher and
        KDF "none" with empty KDF options; exactly one key; a public blob
        and a private section with nothing left over; equal check-ints; the
        private fields of ssh-ed25519, ecdsa-sha2-nistp{256,384,521} or
        ssh-rsa, minimally encoded, repeating the public blob's fields;
        padding 1, 2, 3, ... to a multiple of 8.  Then python3-cryptography's
        own loader (serialization.load_ssh_private_key, a parser we do not
        own) must accept the file, and the public key it computes from the
        private half must be the envelope's public key.

  ed25519 KEY
        Exit 0 when the Ed25519 public key derived from KEY's seed by
        python3-cryptography equals the key in KEY.pub, the envelope's
        public key and both copies inside the private section.

Every failure prints one line saying what is wrong and exits 1 (2 for bad
arguments).  Standard library and python3-cryptography only.
"""
import argparse
import base64
import math
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402

BEGIN = b"-----BEGIN OPENSSH PRIVATE KEY-----"
END = b"-----END OPENSSH PRIVATE KEY-----"
MAGIC = b"openssh-key-v1\0"
COLUMNS = 70
BLOCK = 8  # the private section's padding unit when the cipher is "none"

# ECDSA key type -> (curve identifier in the blob, uncompressed point length)
ECDSA = {
    b"ecdsa-sha2-nistp256": (b"nistp256", 65),
    b"ecdsa-sha2-nistp384": (b"nistp384", 97),
    b"ecdsa-sha2-nistp521": (b"nistp521", 133),
}


class Bad(Exception):
    """The key breaks a rule; the message says which."""


# ---- encoding ---------------------------------------------------------------

def ssh_string(b):
    return struct.pack(">I", len(b)) + b


def ed25519_public(seed):
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    return key.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw)


def write(args):
    try:
        seed = bytes.fromhex(args.seed)
        check = int(args.check, 16)
    except ValueError:
        seed, check = b"", -1
    if len(seed) != 32 or not 0 <= check <= 0xFFFFFFFF:
        print("write: the seed is 32 bytes of hex, the check-int 4",
              file=sys.stderr)
        sys.exit(2)
    pk = bytearray(ed25519_public(seed))
    if args.corrupt_pub:
        pk[31] ^= 0x80  # bit 255: the sign of x
    pk = bytes(pk)
    comment = args.comment.encode()

    public_blob = ssh_string(b"ssh-ed25519") + ssh_string(pk)
    private = (struct.pack(">II", check, check) + ssh_string(b"ssh-ed25519") +
               ssh_string(pk) + ssh_string(seed + pk) + ssh_string(comment))
    private += bytes(range(1, 1 + (-len(private)) % BLOCK))
    blob = (MAGIC + ssh_string(b"none") + ssh_string(b"none") +
            ssh_string(b"") + struct.pack(">I", 1) + ssh_string(public_blob) +
            ssh_string(private))
    text = base64.b64encode(blob)
    lines = [BEGIN] + [text[i:i + COLUMNS]
                       for i in range(0, len(text), COLUMNS)] + [END]
    with open(args.out, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    with open(args.out + ".pub", "wb") as f:
        f.write(b"ssh-ed25519 " + base64.b64encode(public_blob) + b" " +
                comment + b"\n")
    return 0


# ---- decoding ---------------------------------------------------------------

class Reader:
    """Big-endian fields of an SSH wire-format buffer; Bad past its end."""

    def __init__(self, data, what):
        self.data, self.off, self.what = data, 0, what

    def take(self, n, field):
        if self.off + n > len(self.data):
            raise Bad("%s: %s runs past the end (%d + %d > %d bytes)" %
                      (self.what, field, self.off, n, len(self.data)))
        b = self.data[self.off:self.off + n]
        self.off += n
        return b

    def u32(self, field):
        return struct.unpack(">I", self.take(4, field))[0]

    def string(self, field):
        return self.take(self.u32(field + " length"), field)

    def mpint(self, field):
        b = self.string(field)
        if b and b[0] & 0x80:
            raise Bad("%s: %s is negative" % (self.what, field))
        if len(b) >= 2 and b[0] == 0 and not b[1] & 0x80:
            raise Bad("%s: %s has a superfluous leading zero" % (self.what, field))
        if len(b) == 1 and b[0] == 0:
            raise Bad("%s: %s encodes zero as 00, not as empty" % (self.what, field))
        return int.from_bytes(b, "big")

    def rest(self):
        return self.data[self.off:]


def unarmor(data):
    """The decoded blob of a key file, after checking its text layout."""
    if b"\r" in data:
        raise Bad("CR in the file: line ends must be LF")
    if not data.endswith(b"\n"):
        raise Bad("no LF after the END line")
    lines = data[:-1].split(b"\n")
    if lines[0] != BEGIN:
        raise Bad("the first line is not %s" % BEGIN.decode())
    if lines[-1] != END:
        raise Bad("the last line is not %s" % END.decode())
    body = lines[1:-1]
    if not body:
        raise Bad("nothing between BEGIN and END")
    for n, line in enumerate(body[:-1], 2):
        if len(line) != COLUMNS:
            raise Bad("line %d has %d columns, not %d" % (n, len(line), COLUMNS))
    if not 0 < len(body[-1]) <= COLUMNS:
        raise Bad("the last base64 line has %d columns" % len(body[-1]))
    text = b"".join(body)
    try:
        blob = base64.b64decode(text, validate=True)
    except ValueError as e:
        raise Bad("base64: %s" % e)
    if base64.b64encode(blob) != text:
        raise Bad("base64 is not canonical (padding or unused bits)")
    return blob


def public_fields(r, ktype):
    """The fields after the key type, as in the public blob."""
    if ktype == b"ssh-ed25519":
        pk = r.string("ed25519 public key")
        if len(pk) != 32:
            raise Bad("%s: ed25519 public key is %d bytes" % (r.what, len(pk)))
        return (pk,)
    if ktype in ECDSA:
        curve, plen = ECDSA[ktype]
        name = r.string("curve name")
        if name != curve:
            raise Bad("%s: curve %r under key type %r" % (r.what, name, ktype))
        q = r.string("ecdsa point")
        if len(q) != plen or q[0] != 4:
            raise Bad("%s: ecdsa point is not uncompressed (%d bytes)" % (r.what, len(q)))
        return (name, q)
    if ktype == b"ssh-rsa":
        e = r.mpint("rsa e")
        return (e, r.mpint("rsa n"))
    raise Bad("%s: unknown key type %r" % (r.what, ktype))


def parse(data):
    """Check the format rules; return (key type, public blob, public fields,
    secret fields) or raise Bad."""
    r = Reader(unarmor(data), "envelope")
    if r.take(len(MAGIC), "magic") != MAGIC:
        raise Bad("the magic is not openssh-key-v1")
    cipher, kdf = r.string("cipher"), r.string("kdf")
    kdfopts = r.string("kdf options")
    if (cipher, kdf, kdfopts) != (b"none", b"none", b""):
        raise Bad("encrypted: cipher %r, kdf %r, %d bytes of kdf options" %
                  (cipher, kdf, len(kdfopts)))
    nkeys = r.u32("key count")
    if nkeys != 1:
        raise Bad("%d keys in the file, not 1" % nkeys)
    public_blob = r.string("public blob")
    private = r.string("private section")
    if r.rest():
        raise Bad("%d bytes after the private section" % len(r.rest()))

    p = Reader(public_blob, "public blob")
    ktype = p.string("key type")
    pub = public_fields(p, ktype)
    if p.rest():
        raise Bad("%d bytes left in the public blob" % len(p.rest()))

    if len(private) % BLOCK:
        raise Bad("private section is %d bytes, not a multiple of %d" %
                  (len(private), BLOCK))
    s = Reader(private, "private section")
    c1, c2 = s.u32("check-int 1"), s.u32("check-int 2")
    if c1 != c2:
        raise Bad("check-ints differ: %08x %08x" % (c1, c2))
    if s.string("key type") != ktype:
        raise Bad("the private section's key type is not %r" % ktype)
    secret = private_fields(s, ktype, pub)
    s.string("comment")
    pad = s.rest()
    if len(pad) >= BLOCK or pad != bytes(range(1, len(pad) + 1)):
        raise Bad("padding is %s, not 1, 2, 3, ..." % list(pad))
    return ktype, public_blob, pub, secret


def private_fields(s, ktype, pub):
    """Read the private section's key fields, check that they repeat the
    public blob's and agree with each other; return the secret part."""
    if ktype == b"ssh-rsa":
        # n before e here, e before n in the public blob
        n, e = s.mpint("rsa n"), s.mpint("rsa e")
        if (e, n) != pub:
            raise Bad("the private section's rsa n, e differ from the public blob")
        d, iqmp, p, q = (s.mpint(f) for f in ("rsa d", "rsa iqmp", "rsa p", "rsa q"))
        if p * q != n:
            raise Bad("rsa p * q != n")
        if (iqmp * q) % p != 1:
            raise Bad("rsa iqmp is not q^-1 mod p")
        lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
        if (d * e) % lam != 1:
            raise Bad("rsa d is not an inverse of e")
        return (d, iqmp, p, q)
    if public_fields(s, ktype) != pub:
        raise Bad("the private section's public fields differ from the public blob")
    if ktype == b"ssh-ed25519":
        pair = s.string("ed25519 seed and public key")
        if len(pair) != 64 or pair[32:] != pub[0]:
            raise Bad("ed25519 private field is not seed || public key")
        return (pair[:32],)
    return (s.mpint("ecdsa scalar"),)


def loaded_public_blob(data):
    """The public blob of the key as python3-cryptography reads the file."""
    try:
        key = serialization.load_ssh_private_key(data, password=None)
    except (ValueError, TypeError) as e:
        raise Bad("python3-cryptography does not load it: %s" % e)
    line = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                         serialization.PublicFormat.OpenSSH)
    return base64.b64decode(line.split()[1])


def structure(args):
    data = read(args.key)
    _, public_blob, _, _ = parse(data)
    blob = loaded_public_blob(data)
    if blob != public_blob:
        raise Bad("the public key python3-cryptography computes from the "
                  "private half is not the envelope's")
    return 0


def pub_line_blob(path):
    with open(path, "rb") as f:
        fields = f.readline().split()
    if len(fields) < 2:
        raise Bad("%s: no 'type base64' line" % path)
    try:
        blob = base64.b64decode(fields[1], validate=True)
    except ValueError as e:
        raise Bad("%s: base64: %s" % (path, e))
    r = Reader(blob, path)
    if r.string("key type") != fields[0]:
        raise Bad("%s: the blob's key type is not %r" % (path, fields[0]))
    return blob


def ed25519_check(args):
    data = read(args.key)
    # The seed comes from python3-cryptography's parser, not from ours.
    try:
        key = serialization.load_ssh_private_key(data, password=None)
    except (ValueError, TypeError) as e:
        raise Bad("python3-cryptography does not load it: %s" % e)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise Bad("not an Ed25519 key")
    seed = key.private_bytes(serialization.Encoding.Raw,
                             serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    want = ssh_string(b"ssh-ed25519") + ssh_string(ed25519_public(seed))
    if pub_line_blob(args.key + ".pub") != want:
        raise Bad("the key in .pub is not the one derived from the seed")
    # parse() has checked that both copies of the public key in the private
    # section equal the envelope's.
    _, public_blob, _, secret = parse(data)
    if secret[0] != seed:
        raise Bad("our parser and python3-cryptography read different seeds")
    if public_blob != want:
        raise Bad("the public key in the file is not the one derived from the seed")
    return 0


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("seed")
    w.add_argument("out")
    w.add_argument("--comment", default="")
    w.add_argument("--check", default="01020304")
    w.add_argument("--corrupt-pub", action="store_true")
    w.set_defaults(run=write)
    for name, run in (("structure", structure), ("ed25519", ed25519_check)):
        c = sub.add_parser(name)
        c.add_argument("key")
        c.set_defaults(run=run)
    args = ap.parse_args()
    try:
        return args.run(args)
    except Bad as e:
        print("%s: %s" % (getattr(args, "key", args.cmd), e))
        return 1
    except OSError as e:
        print(e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
