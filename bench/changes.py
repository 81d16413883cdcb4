"""The S1 change set as a tar: 10,000 files of 1-4 KB in 100 new directories under /srv/app, and with --modified
the 20 files of /etc/app changed. Usage: python3 bench/changes.py OUT.tar [--modified]"""
import io
import os
import random
import sys
import tarfile

rnd = random.Random(7)
with tarfile.open(sys.argv[1], "w") as t:
    for d in range(100):
        info = tarfile.TarInfo(f"srv/app/d{d:02}"); info.type = tarfile.DIRTYPE; info.mode = 0o755; t.addfile(info)
        for f in range(100):
            data = os.urandom(rnd.randint(1024, 4096))
            info = tarfile.TarInfo(f"srv/app/d{d:02}/f{f:03}.dat"); info.size = len(data); info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
    if "--modified" in sys.argv[2:]:
        for i in range(20):
            data = "".join(f"setting_{j} = changed\n" for j in range(40)).encode()
            info = tarfile.TarInfo(f"etc/app/conf{i:02}.txt"); info.size = len(data); info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
