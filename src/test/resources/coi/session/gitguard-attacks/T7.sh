# a gitlink named sub/../.git/w/inner in the workspace's index (written by hand: git's verify_path is not applied on read): git status enters
# .git/w/inner; coi's quick look drops a name with "..", its full walk never enters the workspace's .git
cd "$WS"; mkdir sub && mkdir -p .git/w/inner && (cd .git/w/inner && git init -q && git commit -q --allow-empty -m i && git config core.fsmonitor "touch $MARK; false")
H=$(git -C .git/w/inner rev-parse HEAD)
python3 - "$H" <<'P'
import struct, sys, hashlib
sha = bytes.fromhex(sys.argv[1]); name = b'sub/../.git/w/inner'
buf = bytearray(b'DIRC' + struct.pack('>II', 2, 1))
e = struct.pack('>IIIIIIIIII', 0, 0, 0, 0, 0, 0, 0o160000, 0, 0, 0) + sha + struct.pack('>H', len(name)) + name
buf += e + b'\0' * (8 - len(e) % 8)
open('.git/index', 'wb').write(buf + hashlib.sha1(buf).digest())
P
