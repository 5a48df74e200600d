#!/bin/sh
# gen.sh COMPRESS — make the LZW test vectors with the reference compress(1)
# (Debian's ncompress 4.2.4.6: apt-get download ncompress; dpkg-deb -x).
# lzw.in is text followed by pseudo-random bytes (the random part makes
# compress clear its table when its codes are narrow); each lzw-bN.Z is
# compress -b N of it.
set -eu
compress=$1
cd "$(dirname "$0")"
python3 - <<'PY'
import hashlib
text = b"".join(b"%d And the evening and the morning were the day; and God saw that it was good.\n" % i for i in range(250))
noise, h = b"", b"golora"
while len(noise) < 6000:
    h = hashlib.sha256(h).digest()
    noise += h
open("lzw.in", "wb").write(text + noise[:6000] + text[:3000])
PY
for b in 9 12 16; do
	"$compress" -b "$b" -c lzw.in > "lzw-b$b.Z"
done
